// Command ocibuild writes a single-layer OCI image-layout archive (what `ctr images import` and
// `skopeo copy oci-archive:` read) from local files, byte for byte the same on every run: fixed
// mtimes, root ownership, sorted entries, an uncompressed layer and a config created at the epoch.
// It prints the manifest digest.
//
//	ocibuild --out probe.tar --name registry.example.com/x/probe:v1 --entrypoint /probe \
//	  --user 65532:65532 --cmd check --file bin/probe:/probe:0555
//	ocibuild --out janitor.tar --name registry.example.com/x/janitor:v1 --entrypoint /bin/kubectl \
//	  --env PATH=/bin --file busybox:/bin/busybox:0555 --symlink /bin/sh:busybox ...
package main

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

const (
	mediaIndex    = "application/vnd.oci.image.index.v1+json"
	mediaManifest = "application/vnd.oci.image.manifest.v1+json"
	mediaConfig   = "application/vnd.oci.image.config.v1+json"
	mediaLayer    = "application/vnd.oci.image.layer.v1.tar"
)

var epoch = time.Unix(0, 0).UTC()

type descriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int64             `json:"size"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Platform    *platform         `json:"platform,omitempty"`
}

type platform struct {
	Architecture string `json:"architecture"`
	OS           string `json:"os"`
}

type imageConfig struct {
	Created      string `json:"created"`
	Architecture string `json:"architecture"`
	OS           string `json:"os"`
	Config       struct {
		User       string   `json:"User,omitempty"`
		Env        []string `json:"Env"`
		Entrypoint []string `json:"Entrypoint"`
		Cmd        []string `json:"Cmd,omitempty"`
	} `json:"config"`
	RootFS struct {
		Type    string   `json:"type"`
		DiffIDs []string `json:"diff_ids"`
	} `json:"rootfs"`
}

type manifest struct {
	SchemaVersion int          `json:"schemaVersion"`
	MediaType     string       `json:"mediaType"`
	Config        descriptor   `json:"config"`
	Layers        []descriptor `json:"layers"`
}

type index struct {
	SchemaVersion int          `json:"schemaVersion"`
	MediaType     string       `json:"mediaType"`
	Manifests     []descriptor `json:"manifests"`
}

type multiFlag []string

func (s *multiFlag) String() string     { return strings.Join(*s, ",") }
func (s *multiFlag) Set(v string) error { *s = append(*s, v); return nil }

// entry is one file of the archives we write.
type entry struct {
	name string // relative, "/"-separated; a trailing "/" marks a directory
	mode int64
	data []byte
	link string // the target of a symbolic link ("" for files and directories)
}

func main() {
	var out, name, entrypoint, user string
	var cmd, files, links, env multiFlag
	flag.StringVar(&out, "out", "", "archive to write")
	flag.StringVar(&name, "name", "", "REPO:TAG")
	flag.StringVar(&entrypoint, "entrypoint", "", "absolute path of the entrypoint in the image")
	flag.StringVar(&user, "user", "", "UID:GID the image runs as")
	flag.Var(&cmd, "cmd", "an argument of the default command (repeatable)")
	flag.Var(&files, "file", "SRC:DST[:MODE] with an octal MODE (default 0755) (repeatable)")
	flag.Var(&links, "symlink", "DST:TARGET, a symbolic link at DST pointing to TARGET (repeatable)")
	flag.Var(&env, "env", "NAME=VALUE of the image's environment (repeatable; default PATH=/)")
	flag.Parse()
	repo, tag, err := splitName(name)
	if err != nil || out == "" || !strings.HasPrefix(entrypoint, "/") || len(files) == 0 || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: ocibuild --out FILE.tar --name REPO:TAG --entrypoint /PATH [--user U:G] [--env K=V]... [--cmd ARG]... --file SRC:DST[:MODE]... [--symlink DST:TARGET]...")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
		os.Exit(2)
	}

	var layerFiles []entry
	for _, f := range files {
		e, err := fileEntry(f)
		if err != nil {
			fail(err)
		}
		layerFiles = append(layerFiles, e)
	}
	for _, l := range links {
		e, err := linkEntry(l)
		if err != nil {
			fail(err)
		}
		layerFiles = append(layerFiles, e)
	}
	if len(env) == 0 {
		env = multiFlag{"PATH=/"}
	}
	for _, kv := range env {
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
			fail(fmt.Errorf("--env %q is not NAME=VALUE", kv))
		}
	}
	layer, err := tarball(withParents(layerFiles))
	if err != nil {
		fail(err)
	}
	layerDigest := digest(layer)

	var cfg imageConfig
	cfg.Created, cfg.Architecture, cfg.OS = epoch.Format(time.RFC3339), "amd64", "linux"
	cfg.Config.User, cfg.Config.Env = user, env
	cfg.Config.Entrypoint, cfg.Config.Cmd = []string{entrypoint}, cmd
	cfg.RootFS.Type, cfg.RootFS.DiffIDs = "layers", []string{layerDigest}
	cfgJSON := mustJSON(cfg)

	man := manifest{
		SchemaVersion: 2, MediaType: mediaManifest,
		Config: descriptor{MediaType: mediaConfig, Digest: digest(cfgJSON), Size: int64(len(cfgJSON))},
		Layers: []descriptor{{MediaType: mediaLayer, Digest: layerDigest, Size: int64(len(layer))}},
	}
	manJSON := mustJSON(man)
	manDigest := digest(manJSON)
	idx := index{SchemaVersion: 2, MediaType: mediaIndex, Manifests: []descriptor{{
		MediaType: mediaManifest, Digest: manDigest, Size: int64(len(manJSON)),
		Annotations: map[string]string{ // encoding/json sorts map keys
			"io.containerd.image.name":          repo + ":" + tag,
			"org.opencontainers.image.ref.name": tag,
		},
		Platform: &platform{Architecture: "amd64", OS: "linux"},
	}}}

	blob := func(b []byte) entry {
		return entry{name: "blobs/sha256/" + strings.TrimPrefix(digest(b), "sha256:"), mode: 0o444, data: b}
	}
	archive, err := tarball(withParents([]entry{
		{name: "oci-layout", mode: 0o444, data: []byte(`{"imageLayoutVersion":"1.0.0"}`)},
		{name: "index.json", mode: 0o444, data: mustJSON(idx)},
		blob(layer), blob(cfgJSON), blob(manJSON),
	}))
	if err != nil {
		fail(err)
	}
	tmp := out + ".tmp"
	if err := os.WriteFile(tmp, archive, 0o644); err != nil {
		fail(err)
	}
	if err := os.Rename(tmp, out); err != nil {
		fail(err)
	}
	fmt.Println(manDigest)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "ocibuild:", err)
	os.Exit(1)
}

// splitName splits REPO:TAG; the tag is after the last colon that follows the last slash.
func splitName(name string) (string, string, error) {
	i := strings.LastIndex(name, ":")
	if i <= strings.LastIndex(name, "/") || i == len(name)-1 || i == 0 {
		return "", "", fmt.Errorf("--name %q is not REPO:TAG", name)
	}
	return name[:i], name[i+1:], nil
}

// fileEntry reads SRC:DST[:MODE].
func fileEntry(spec string) (entry, error) {
	parts := strings.Split(spec, ":")
	if len(parts) < 2 || len(parts) > 3 || !strings.HasPrefix(parts[1], "/") {
		return entry{}, fmt.Errorf("--file %q is not SRC:/DST[:MODE]", spec)
	}
	mode := int64(0o755)
	if len(parts) == 3 {
		m, err := strconv.ParseInt(parts[2], 8, 64)
		if err != nil || m > 0o7777 {
			return entry{}, fmt.Errorf("--file %q: mode %q is not octal", spec, parts[2])
		}
		mode = m
	}
	data, err := os.ReadFile(parts[0])
	if err != nil {
		return entry{}, err
	}
	dst := strings.TrimPrefix(path.Clean(parts[1]), "/")
	if dst == "" {
		return entry{}, fmt.Errorf("--file %q: the destination is the root", spec)
	}
	return entry{name: dst, mode: mode, data: data}, nil
}

// linkEntry reads DST:TARGET.
func linkEntry(spec string) (entry, error) {
	dst, target, ok := strings.Cut(spec, ":")
	if !ok || !strings.HasPrefix(dst, "/") || target == "" {
		return entry{}, fmt.Errorf("--symlink %q is not /DST:TARGET", spec)
	}
	dst = strings.TrimPrefix(path.Clean(dst), "/")
	if dst == "" {
		return entry{}, fmt.Errorf("--symlink %q: the destination is the root", spec)
	}
	return entry{name: dst, mode: 0o777, link: target}, nil
}

// withParents adds every parent directory and sorts the entries by name.
func withParents(files []entry) []entry {
	seen := map[string]bool{}
	var all []entry
	for _, f := range files {
		for dir := path.Dir(f.name); dir != "."; dir = path.Dir(dir) {
			if !seen[dir+"/"] {
				seen[dir+"/"] = true
				all = append(all, entry{name: dir + "/", mode: 0o755})
			}
		}
		all = append(all, f)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].name < all[j].name })
	return all
}

// tarball writes entries as a ustar archive owned by root at the epoch.
func tarball(entries []entry) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for i, e := range entries {
		if i > 0 && entries[i-1].name == e.name {
			return nil, fmt.Errorf("%s is given twice", e.name)
		}
		h := &tar.Header{Name: e.name, Mode: e.mode, ModTime: epoch, Format: tar.FormatUSTAR}
		if strings.HasSuffix(e.name, "/") {
			h.Typeflag = tar.TypeDir
		} else if e.link != "" {
			h.Typeflag, h.Linkname = tar.TypeSymlink, e.link
		} else {
			h.Typeflag, h.Size = tar.TypeReg, int64(len(e.data))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(e.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		fail(err)
	}
	return b
}
