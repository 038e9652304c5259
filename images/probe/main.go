// Command probe checks, from inside a sandbox pod, that the pod really runs isolated: under gVisor,
// without a service-account token, as non-root without capabilities on a read-only root file
// system, with egress and DNS restricted as the NetworkPolicies say, and (with an egress gateway)
// allowed names reached through $HTTPS_PROXY while others are refused. It prints one JSON line and
// exits 1 when any check fails. Other subcommands misbehave on purpose (oom, sleep, fill) or stand
// in for network targets on the node (serve). Standard library only; see docs/probe.md.
//
//	probe [check]           run every check (configured by PROBE_* environment variables)
//	probe oom               allocate memory until killed
//	probe sleep SECONDS     sleep
//	probe fill DIR          write files into DIR until an error, then sleep forever
//	probe serve SPEC...     tcp:IP:PORT (HTTP 200) and dns:IP:PORT (A 192.0.2.1) listeners
package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

const (
	tokenPath = "/var/run/secrets/kubernetes.io/serviceaccount/token"
	// gVisor reports this fixed kernel version string from uname(2) and /proc/version.
	gvisorUnameVersion = "#1 SMP Sun Jan 10 15:06:54 PST 2016"
	mib                = 1 << 20
)

// Check is one line of the report.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// Report is what `probe check` prints.
type Report struct {
	Probe   string  `json:"probe"`
	Version int     `json:"version"`
	OK      bool    `json:"ok"`
	Checks  []Check `json:"checks"`
}

func main() {
	args := os.Args[1:]
	cmd := "check"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch {
	case cmd == "check" && len(args) == 0:
		os.Exit(runCheck())
	case cmd == "oom" && len(args) == 0:
		oom()
	case cmd == "sleep" && len(args) == 1:
		s, err := strconv.ParseFloat(args[0], 64)
		if err != nil {
			fatal("sleep: %v", err)
		}
		time.Sleep(time.Duration(s * float64(time.Second)))
	case cmd == "fill" && len(args) == 1:
		fill(args[0])
	case cmd == "serve" && len(args) > 0:
		serve(args)
	default:
		fatal("usage: probe [check] | oom | sleep SECONDS | fill DIR | serve tcp:IP:PORT|dns:IP:PORT...")
	}
}

func fatal(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "probe: "+format+"\n", a...)
	os.Exit(2)
}

// env reads a variable; the boolean says whether it was set at all.
func env(name string) (string, bool) { return os.LookupEnv(name) }

func list(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func runCheck() int {
	timeout := 3 * time.Second
	if v, ok := env("PROBE_TIMEOUT_MS"); ok {
		ms, err := strconv.Atoi(v)
		if err != nil || ms <= 0 {
			fatal("PROBE_TIMEOUT_MS=%q is not a positive number of milliseconds", v)
		}
		timeout = time.Duration(ms) * time.Millisecond
	}
	// The network checks wait for timeouts, so every check runs at once; the report keeps order.
	var jobs []func() []Check
	if v, _ := env("PROBE_EXPECT_GVISOR"); v != "false" {
		jobs = append(jobs, one(checkGvisor))
	}
	jobs = append(jobs, one(checkToken))
	for _, t := range blockedTargets() {
		jobs = append(jobs, one(func() Check { return checkBlocked(t, timeout) }))
	}
	for _, t := range list(os.Getenv("PROBE_ALLOWED")) {
		jobs = append(jobs, one(func() Check { return checkAllowed(t, timeout) }))
	}
	for _, t := range list(os.Getenv("PROBE_PROXY_ALLOWED")) {
		jobs = append(jobs, one(func() Check { return checkProxyAllowed(t, timeout) }))
	}
	for _, t := range list(os.Getenv("PROBE_PROXY_DENIED")) {
		jobs = append(jobs, one(func() Check { return checkProxyDenied(t, timeout) }))
	}
	jobs = append(jobs, func() []Check { return checkDNS(timeout) })
	jobs = append(jobs, one(checkReadOnlyRoot), one(checkNonRoot), one(checkCapabilities))
	if dir, ok := env("PROBE_SCRATCH"); ok {
		jobs = append(jobs, one(func() Check { return checkScratch(dir) }))
	}
	if v, ok := env("PROBE_EXPECT_MEMORY_BYTES"); ok {
		jobs = append(jobs, one(func() Check { return checkMemory(v) }))
	}
	if v, ok := env("PROBE_EXPECT_CPU_MILLIS"); ok {
		jobs = append(jobs, one(func() Check { return checkCPU(v) }))
	}
	results := make([][]Check, len(jobs))
	var wg sync.WaitGroup
	for i, job := range jobs {
		wg.Go(func() { results[i] = job() })
	}
	wg.Wait()

	report := Report{Probe: "eval-sandbox-conformance", Version: 1, OK: true, Checks: []Check{}}
	for _, r := range results {
		for _, c := range r {
			report.OK = report.OK && c.OK
			report.Checks = append(report.Checks, c)
		}
	}
	line, _ := json.Marshal(report)
	line = append(line, '\n')
	os.Stdout.Write(line)
	_ = os.WriteFile("/dev/termination-log", line, 0o644) // only where the kubelet provides it
	if report.OK {
		return 0
	}
	return 1
}

func one(f func() Check) func() []Check { return func() []Check { return []Check{f()} } }

func pass(name, format string, a ...any) Check {
	return Check{name, true, fmt.Sprintf(format, a...)}
}

func fail(name, format string, a ...any) Check {
	return Check{name, false, fmt.Sprintf(format, a...)}
}

// checkGvisor: gVisor's kernel answers syslog(READ_ALL) with its own boot messages, where Linux
// refuses an unprivileged caller (and a privileged one reads the host's log); uname(2) reports a
// version string fixed in gVisor's source. Either signal is enough.
func checkGvisor() Check {
	const name = "gvisor"
	var signals []string
	buf := make([]byte, 64*1024)
	n, _, errno := syscall.Syscall(syscall.SYS_SYSLOG, 3 /* SYSLOG_ACTION_READ_ALL */, uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)))
	syslogOK := false
	switch {
	case errno != 0:
		signals = append(signals, "syslog: "+errno.Error())
	case strings.Contains(string(buf[:n]), "Starting gVisor"):
		syslogOK = true
		signals = append(signals, `syslog: "Starting gVisor..."`)
	default:
		signals = append(signals, "syslog: readable, no gVisor boot message")
	}
	var u syscall.Utsname
	version := "?"
	if err := syscall.Uname(&u); err == nil {
		version = utsString(u.Version[:])
	}
	unameOK := version == gvisorUnameVersion
	signals = append(signals, fmt.Sprintf("uname version %q", version))
	if syslogOK || unameOK {
		return pass(name, "running under gVisor (%s)", strings.Join(signals, "; "))
	}
	return fail(name, "not gVisor (%s)", strings.Join(signals, "; "))
}

func utsString(f []int8) string {
	b := make([]byte, 0, len(f))
	for _, c := range f {
		if c == 0 {
			break
		}
		b = append(b, byte(c))
	}
	return string(b)
}

func checkToken() Check {
	const name = "service-account-token"
	for _, p := range []string{tokenPath, filepath.Dir(tokenPath)} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			return fail(name, "%s exists (or cannot be checked: %v); automountServiceAccountToken must be false", p, err)
		}
	}
	return pass(name, "%s and its directory are absent", tokenPath)
}

func blockedTargets() []string {
	if v, ok := env("PROBE_BLOCKED"); ok {
		return list(v)
	}
	t := []string{"169.254.169.254:80", "169.254.170.23:80"}
	host, hok := env("KUBERNETES_SERVICE_HOST")
	port, pok := env("KUBERNETES_SERVICE_PORT")
	if hok && pok {
		t = append(t, net.JoinHostPort(host, port))
	}
	return append(t, "kubernetes.default.svc.cluster.local:443")
}

// dial reports whether target accepted a TCP connection and what happened.
func dial(target string, timeout time.Duration) (bool, string) {
	start := time.Now()
	conn, err := net.DialTimeout("tcp", target, timeout)
	took := time.Since(start).Round(time.Millisecond)
	if err == nil {
		conn.Close()
		return true, fmt.Sprintf("connected in %v", took)
	}
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr):
		return false, fmt.Sprintf("name did not resolve (%v), counts as unreachable", dnsErr)
	case errors.Is(err, syscall.ECONNREFUSED):
		return false, fmt.Sprintf("refused after %v", took)
	case os.IsTimeout(err):
		return false, fmt.Sprintf("no answer within %v (timeout)", timeout)
	}
	return false, fmt.Sprintf("failed after %v: %v", took, err)
}

// networkUp is closed when the pod's network is known to work: a check that must succeed has
// succeeded, or settle() has passed without one (a sandbox that may reach nothing). A check that
// must fail waits for it first: a new pod's packets are dropped until the NetworkPolicy agent has
// judged it (strict mode), and a refusal then would prove nothing.
var (
	networkUp     = make(chan struct{})
	networkUpOnce sync.Once
)

func markNetworkUp() { networkUpOnce.Do(func() { close(networkUp) }) }

func awaitNetwork() {
	select {
	case <-networkUp:
	case <-time.After(settle()):
		markNetworkUp()
	}
}

func checkBlocked(target string, timeout time.Duration) Check {
	awaitNetwork()
	ok, detail := dial(target, timeout)
	if ok {
		detail += ": egress must be blocked"
	}
	return Check{"blocked:" + target, !ok, detail}
}

func checkAllowed(target string, timeout time.Duration) Check {
	ok, detail := false, ""
	attempts := 0
	for deadline := time.Now().Add(settle()); ; {
		attempts++
		if ok, detail = dial(target, timeout); ok || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if ok {
		markNetworkUp()
	}
	if attempts > 1 {
		detail = fmt.Sprintf("%s (attempt %d)", detail, attempts)
	}
	return Check{"allowed:" + target, ok, detail}
}

// proxyAddress is host:port of $HTTPS_PROXY (or $https_proxy), an http:// URL as the egress
// gateway sets it.
func proxyAddress() (string, error) {
	v, ok := env("HTTPS_PROXY")
	if !ok || v == "" {
		v = os.Getenv("https_proxy")
	}
	if v == "" {
		return "", errors.New("HTTPS_PROXY is not set (the sandbox has no egress gateway)")
	}
	u, err := url.Parse(v)
	if err != nil || u.Scheme != "http" || u.Port() == "" {
		return "", fmt.Errorf("HTTPS_PROXY=%q is not http://HOST:PORT", v)
	}
	return u.Host, nil
}

// proxyConnect asks the proxy to CONNECT to target (host:port, a name: the proxy resolves it) and
// returns its status code and line; on 200, also what the far end sent within the timeout (a
// stand-in greets at once; a TLS server waits for the client and sends nothing).
func proxyConnect(target string, timeout time.Duration) (int, string, string, error) {
	proxy, err := proxyAddress()
	if err != nil {
		return 0, "", "", err
	}
	conn, err := net.DialTimeout("tcp", proxy, timeout)
	if err != nil {
		_, detail := dial(proxy, timeout)
		return 0, "", "", fmt.Errorf("the proxy %s: %s", proxy, detail)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(timeout))
	if _, err := fmt.Fprintf(conn, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", target, target); err != nil {
		return 0, "", "", fmt.Errorf("the proxy %s: %v", proxy, err)
	}
	r := bufio.NewReader(conn)
	status, err := r.ReadString('\n')
	if err != nil {
		return 0, "", "", fmt.Errorf("the proxy %s did not answer: %v", proxy, err)
	}
	status = strings.TrimSpace(status)
	f := strings.Fields(status)
	code := 0
	if len(f) >= 2 && strings.HasPrefix(f[0], "HTTP/") {
		code, _ = strconv.Atoi(f[1])
	}
	if code == 0 {
		return 0, status, "", fmt.Errorf("the proxy %s answered %q, not HTTP", proxy, status)
	}
	for { // the headers
		line, err := r.ReadString('\n')
		if err != nil || strings.TrimSpace(line) == "" {
			break
		}
	}
	if code != 200 {
		return code, status, "", nil
	}
	buf := make([]byte, 512)
	n, _ := r.Read(buf)
	return code, status, string(buf[:n]), nil
}

// checkProxyAllowed: CONNECT through the gateway to an allowed name succeeds (given the same settling
// time as an allowed address).
func checkProxyAllowed(target string, timeout time.Duration) Check {
	name := "proxy-allowed:" + target
	var code int
	var status, far string
	var err error
	attempts := 0
	for deadline := time.Now().Add(settle()); ; {
		attempts++
		code, status, far, err = proxyConnect(target, timeout)
		if code == 200 || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if code == 200 {
		markNetworkUp()
	}
	retried := ""
	if attempts > 1 {
		retried = fmt.Sprintf(" (attempt %d)", attempts)
	}
	switch {
	case err != nil:
		return fail(name, "%v%s", err, retried)
	case code != 200:
		return fail(name, "the proxy answered %q%s: the name must be reachable through it", status, retried)
	case far == "":
		return pass(name, "the proxy answered %q%s; the far end sent nothing yet", status, retried)
	}
	return pass(name, "the proxy answered %q%s; the far end sent %q", status, retried, far)
}

// checkProxyDenied: the gateway refuses a CONNECT to a name that is not on its list with 403 (its
// decision, not a failure to reach it). Reaching the gateway must work, so it gets the settling time
// an allowed flow gets; its answer does not.
func checkProxyDenied(target string, timeout time.Duration) Check {
	name := "proxy-denied:" + target
	var code int
	var status string
	var err error
	for deadline := time.Now().Add(settle()); ; time.Sleep(500 * time.Millisecond) {
		if code, status, _, err = proxyConnect(target, timeout); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err == nil {
		markNetworkUp() // the proxy answered: the pod's network works
	}
	switch {
	case err != nil:
		return fail(name, "%v: the proxy must answer, and refuse", err)
	case code == 403:
		return pass(name, "the proxy answered %q", status)
	}
	return fail(name, "the proxy answered %q: it must refuse with 403", status)
}

// settle is how long what must work may take to start working (PROBE_SETTLE_MS, default 10 s): a
// NetworkPolicy implementation in strict mode isolates a new pod until it has judged it, so the
// first packets of an allowed flow may be dropped. What must be blocked gets no such grace.
func settle() time.Duration {
	if v, ok := env("PROBE_SETTLE_MS"); ok {
		if ms, err := strconv.Atoi(v); err == nil && ms >= 0 {
			return time.Duration(ms) * time.Millisecond
		}
		fatal("PROBE_SETTLE_MS=%q is not a number of milliseconds", v)
	}
	return 10 * time.Second
}

// checkDNS: the pod's nameservers are the cluster's, the cluster name resolves through them (with
// our own client, so no fallback of Go's resolver can hide a failure), outside resolvers are silent.
func checkDNS(timeout time.Duration) []Check {
	var out []Check
	servers, err := nameservers("/etc/resolv.conf")
	switch {
	case err != nil:
		out = append(out, fail("dns:nameservers", "%v", err))
	case len(servers) == 0:
		out = append(out, fail("dns:nameservers", "/etc/resolv.conf lists no nameserver"))
	default:
		if want, ok := env("PROBE_CLUSTER_DNS"); ok {
			var stray []string
			for _, s := range servers {
				if !contains(list(want), s) {
					stray = append(stray, s)
				}
			}
			if len(stray) > 0 {
				out = append(out, fail("dns:nameservers", "nameservers %v are not the cluster DNS %v", stray, list(want)))
			} else {
				out = append(out, pass("dns:nameservers", "nameservers %v are all cluster DNS", servers))
			}
		} else {
			out = append(out, pass("dns:nameservers", "nameservers %v (PROBE_CLUSTER_DNS unset: not compared)", servers))
		}
		qname := "kubernetes.default.svc.cluster.local"
		if v, ok := env("PROBE_DNS_NAME"); ok && v != "" {
			qname = v
		}
		if os.Getenv("PROBE_DNS") == "blocked" {
			// A sandbox without DNS: no nameserver may answer, not even with an error code.
			awaitNetwork()
			var answered, silent []string
			for _, s := range servers {
				if ips, err := lookupA(net.JoinHostPort(s, "53"), qname, timeout); err == nil {
					answered = append(answered, fmt.Sprintf("%s: %v", s, ips))
				} else if !errors.Is(err, errNoAnswer) {
					answered = append(answered, fmt.Sprintf("%s: %v", s, err))
				} else {
					silent = append(silent, fmt.Sprintf("%s: %v", s, err))
				}
			}
			if len(answered) > 0 {
				out = append(out, fail("dns:blocked", "%s resolved via %s: this sandbox must have no DNS", qname, strings.Join(answered, "; ")))
			} else {
				out = append(out, pass("dns:blocked", "no answer for %s: %s", qname, strings.Join(silent, "; ")))
			}
			return append(out, checkOutsideDNS(timeout)...)
		}
		var answers, failures []string
		for _, s := range servers {
			var ips []net.IP
			var err error
			for deadline := time.Now().Add(settle()); ; time.Sleep(500 * time.Millisecond) {
				if ips, err = lookupA(net.JoinHostPort(s, "53"), qname, timeout); err == nil || time.Now().After(deadline) {
					break
				}
			}
			if err != nil {
				failures = append(failures, fmt.Sprintf("%s: %v", s, err))
			} else {
				answers = append(answers, fmt.Sprintf("%s: %v", s, ips))
			}
		}
		if len(failures) == 0 {
			markNetworkUp()
		}
		if len(failures) > 0 {
			out = append(out, fail("dns:resolve", "%s did not resolve via %s", qname, strings.Join(failures, "; ")))
		} else {
			out = append(out, pass("dns:resolve", "%s resolved via %s", qname, strings.Join(answers, "; ")))
		}
	}
	return append(out, checkOutsideDNS(timeout)...)
}

// checkOutsideDNS: resolvers outside the cluster DNS (PROBE_DNS_OUTSIDE) must not answer.
func checkOutsideDNS(timeout time.Duration) []Check {
	if len(list(os.Getenv("PROBE_DNS_OUTSIDE"))) > 0 {
		awaitNetwork()
	}
	results := make([]Check, len(list(os.Getenv("PROBE_DNS_OUTSIDE"))))
	var wg sync.WaitGroup
	for i, r := range list(os.Getenv("PROBE_DNS_OUTSIDE")) {
		wg.Go(func() {
			name := "dns-outside:" + r
			if ips, err := lookupA(r, "example.com", timeout); err == nil {
				results[i] = fail(name, "resolver answered %v: DNS to outside resolvers must be blocked", ips)
			} else {
				results[i] = pass(name, "no answer: %v", err)
			}
		})
	}
	wg.Wait()
	return results
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// nameservers parses the nameserver lines of a resolv.conf.
func nameservers(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "nameserver" {
			out = append(out, fields[1])
		}
	}
	return out, sc.Err()
}

// dnsQuery encodes a recursive query for the A records of name.
func dnsQuery(id uint16, name string) ([]byte, error) {
	msg := binary.BigEndian.AppendUint16(nil, id)
	msg = append(msg, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0) // RD; one question
	for _, label := range strings.Split(strings.TrimSuffix(name, "."), ".") {
		if len(label) == 0 || len(label) > 63 {
			return nil, fmt.Errorf("invalid DNS name %q", name)
		}
		msg = append(msg, byte(len(label)))
		msg = append(msg, label...)
	}
	return append(msg, 0, 0, 1, 0, 1), nil // root; type A; class IN
}

// skipName returns the offset after the (possibly compressed) name at off.
func skipName(msg []byte, off int) (int, error) {
	for off < len(msg) {
		switch l := int(msg[off]); {
		case l == 0:
			return off + 1, nil
		case l&0xC0 == 0xC0:
			return off + 2, nil
		default:
			off += 1 + l
		}
	}
	return 0, errors.New("truncated DNS name")
}

// dnsAnswers decodes a response to query id: its A records, or the error it carries.
func dnsAnswers(msg []byte, id uint16) ([]net.IP, error) {
	if len(msg) < 12 || binary.BigEndian.Uint16(msg) != id || msg[2]&0x80 == 0 {
		return nil, errors.New("not a response to our query")
	}
	if rcode := msg[3] & 0x0F; rcode != 0 {
		return nil, fmt.Errorf("rcode %d", rcode)
	}
	qd, an := int(binary.BigEndian.Uint16(msg[4:])), int(binary.BigEndian.Uint16(msg[6:]))
	off := 12
	var err error
	for range qd {
		if off, err = skipName(msg, off); err != nil {
			return nil, err
		}
		off += 4
	}
	var ips []net.IP
	for range an {
		if off, err = skipName(msg, off); err != nil {
			return nil, err
		}
		if off+10 > len(msg) {
			return nil, errors.New("truncated answer")
		}
		typ, rdlen := binary.BigEndian.Uint16(msg[off:]), int(binary.BigEndian.Uint16(msg[off+8:]))
		off += 10
		if off+rdlen > len(msg) {
			return nil, errors.New("truncated answer")
		}
		if typ == 1 && rdlen == 4 {
			ips = append(ips, net.IP(append([]byte(nil), msg[off:off+4]...)))
		}
		off += rdlen
	}
	if len(ips) == 0 {
		return nil, errors.New("no A record in the answer")
	}
	return ips, nil
}

// lookupA asks the resolver at server (ip:port) over UDP for the A records of name.
// errNoAnswer: no DNS message came back (timeout, ICMP refusal, no route), as opposed to an answer
// that carries an error code.
var errNoAnswer = errors.New("no answer")

func lookupA(server, name string, timeout time.Duration) ([]net.IP, error) {
	id := uint16(time.Now().UnixNano())
	q, err := dnsQuery(id, name)
	if err != nil {
		return nil, err
	}
	conn, err := net.DialTimeout("udp", server, timeout)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errNoAnswer, err)
	}
	defer conn.Close()
	// Like a stub resolver, send the query again every second until the timeout: a first datagram
	// lost (for one, while a NetworkPolicy controller has not yet judged a new pod) is not an answer.
	deadline := time.Now().Add(timeout)
	buf := make([]byte, 4096)
	for {
		if _, err := conn.Write(q); err != nil && !errors.Is(err, syscall.ECONNREFUSED) {
			return nil, fmt.Errorf("%w: %v", errNoAnswer, err)
		}
		next := time.Now().Add(time.Second)
		if next.After(deadline) {
			next = deadline
		}
		_ = conn.SetReadDeadline(next)
		for {
			n, err := conn.Read(buf)
			if os.IsTimeout(err) {
				break
			} else if errors.Is(err, syscall.ECONNREFUSED) {
				return nil, fmt.Errorf("%w: refused (ICMP port unreachable)", errNoAnswer)
			} else if err != nil {
				return nil, fmt.Errorf("%w: %v", errNoAnswer, err)
			}
			if ips, err := dnsAnswers(buf[:n], id); err == nil || n >= 12 && binary.BigEndian.Uint16(buf) == id {
				return ips, err
			}
		}
		if !time.Now().Before(deadline) {
			return nil, fmt.Errorf("%w within %v (timeout)", errNoAnswer, timeout)
		}
	}
}

// checkReadOnlyRoot: creating a file must fail because the mount is read-only. Linux answers
// EROFS; gVisor checks permissions first and answers EACCES to a non-root user, so EACCES counts
// only when statfs(2) also reports the mount read-only (ST_RDONLY). EACCES alone only says this
// uid may not write there, which a root process would not be stopped by.
func checkReadOnlyRoot() Check {
	dirs := []string{"/"}
	if st, err := os.Stat("/etc"); err == nil && st.IsDir() {
		dirs = append(dirs, "/etc")
	}
	if exe, err := os.Executable(); err == nil && !contains(dirs, filepath.Dir(exe)) {
		dirs = append(dirs, filepath.Dir(exe))
	}
	var results []string
	ok := true
	for _, d := range dirs {
		var fs syscall.Statfs_t
		roMount := syscall.Statfs(d, &fs) == nil && fs.Flags&0x1 /* ST_RDONLY */ != 0
		p := filepath.Join(d, ".probe-write-test")
		f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		switch {
		case err == nil:
			f.Close()
			os.Remove(p)
			ok = false
			results = append(results, d+": writable")
		case errors.Is(err, syscall.EROFS):
			results = append(results, d+": EROFS")
		case errors.Is(err, syscall.EACCES) && roMount:
			results = append(results, d+": EACCES, and statfs reports the mount read-only")
		case errors.Is(err, syscall.EACCES):
			ok = false
			results = append(results, d+": EACCES but the mount is not read-only (permission denied is not enough)")
		default:
			ok = false
			results = append(results, fmt.Sprintf("%s: %v (expected EROFS)", d, err))
		}
	}
	return Check{"read-only-rootfs", ok, strings.Join(results, "; ")}
}

func checkNonRoot() Check {
	uid, euid, gid, egid := os.Getuid(), os.Geteuid(), os.Getgid(), os.Getegid()
	detail := fmt.Sprintf("uid=%d euid=%d gid=%d egid=%d", uid, euid, gid, egid)
	return Check{"non-root", uid != 0 && euid != 0 && gid != 0 && egid != 0, detail}
}

// procStatus reads the "Key:\tvalue" lines of /proc/self/status.
func procStatus() (map[string]string, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			m[k] = strings.TrimSpace(v)
		}
	}
	return m, nil
}

func checkCapabilities() Check {
	const name = "no-capabilities"
	st, err := procStatus()
	if err != nil {
		return fail(name, "%v", err)
	}
	ok := true
	var parts []string
	for _, k := range []string{"CapEff", "CapPrm", "CapAmb"} {
		v, err := strconv.ParseUint(st[k], 16, 64)
		ok = ok && err == nil && v == 0
		parts = append(parts, fmt.Sprintf("%s=%s", k, st[k]))
	}
	ok = ok && st["NoNewPrivs"] == "1"
	parts = append(parts, "NoNewPrivs="+st["NoNewPrivs"])
	return Check{name, ok, strings.Join(parts, " ")}
}

func checkScratch(dir string) Check {
	const name = "scratch-writable"
	p := filepath.Join(dir, ".probe-scratch-test")
	if err := os.WriteFile(p, []byte("probe\n"), 0o600); err != nil {
		return fail(name, "%v", err)
	}
	if err := os.Remove(p); err != nil {
		return fail(name, "wrote but could not remove: %v", err)
	}
	return pass(name, "wrote and removed a file in %s", dir)
}

// readInt reads the first integer of a file; "max" reads as -1 (no limit).
func readInt(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0, fmt.Errorf("%s is empty", path)
	}
	if f[0] == "max" {
		return -1, nil
	}
	return strconv.ParseInt(f[0], 10, 64)
}

// checkMemory compares the downward-API limit with what the sandbox enforces, from the cgroup
// files and from MemTotal (gVisor sizes its memory to the limit).
func checkMemory(expected string) Check {
	const name = "memory-limit"
	want, err := strconv.ParseInt(expected, 10, 64)
	if err != nil {
		return fail(name, "PROBE_EXPECT_MEMORY_BYTES=%q is not a number of bytes", expected)
	}
	overhead, err := overheadEnv("PROBE_POD_OVERHEAD_MEMORY_BYTES")
	if err != nil {
		return fail(name, "%v", err)
	}
	// Under gVisor the sandbox lives in the pod's cgroup, whose limit is the container's plus the
	// RuntimeClass overhead; under runc the container has a cgroup of its own.
	var seen []string
	for _, path := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		v, err := readInt(path)
		if err != nil {
			seen = append(seen, fmt.Sprintf("%s unreadable", path))
			continue
		}
		if v == want {
			return pass(name, "%s = %d", path, v)
		}
		if overhead > 0 && v == want+overhead {
			return pass(name, "%s = %d = the limit + the pod overhead %d", path, v, overhead)
		}
		seen = append(seen, fmt.Sprintf("%s = %d", path, v))
	}
	if st, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(st), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				if kb*1024 == want/1024*1024 {
					return pass(name, "/proc/meminfo MemTotal = %d kB = the limit", kb)
				}
				if overhead > 0 && kb*1024 == (want+overhead)/1024*1024 {
					return pass(name, "/proc/meminfo MemTotal = %d kB = the limit + the pod overhead", kb)
				}
				seen = append(seen, fmt.Sprintf("/proc/meminfo MemTotal = %d kB", kb))
			}
		}
	} else {
		seen = append(seen, "/proc/meminfo unreadable")
	}
	return fail(name, "no source shows %d bytes: %s", want, strings.Join(seen, "; "))
}

func checkCPU(expected string) Check {
	const name = "cpu-limit"
	want, err := strconv.ParseInt(expected, 10, 64)
	if err != nil || want <= 0 {
		return fail(name, "PROBE_EXPECT_CPU_MILLIS=%q is not a positive number of millicores", expected)
	}
	overhead, err := overheadEnv("PROBE_POD_OVERHEAD_CPU_MILLIS")
	if err != nil {
		return fail(name, "%v", err)
	}
	matches := func(m int64) string {
		switch {
		case m == want:
			return fmt.Sprintf("%dm", m)
		case overhead > 0 && m == want+overhead:
			return fmt.Sprintf("%dm = the limit + the pod overhead %dm", m, overhead)
		}
		return ""
	}
	var seen []string
	quotaRead := false
	if b, err := os.ReadFile("/sys/fs/cgroup/cpu.max"); err == nil {
		var quota string
		var period int64
		if _, err := fmt.Sscan(string(b), &quota, &period); err == nil && quota != "max" && period > 0 {
			quotaRead = true
			q, _ := strconv.ParseInt(quota, 10, 64)
			if m := matches(q * 1000 / period); m != "" {
				return pass(name, "/sys/fs/cgroup/cpu.max = %s %d = %s", quota, period, m)
			}
		}
		seen = append(seen, "/sys/fs/cgroup/cpu.max = "+strings.TrimSpace(string(b)))
	}
	q, qerr := readInt("/sys/fs/cgroup/cpu/cpu.cfs_quota_us")
	p, perr := readInt("/sys/fs/cgroup/cpu/cpu.cfs_period_us")
	if qerr == nil && perr == nil {
		if q > 0 && p > 0 {
			quotaRead = true
			if m := matches(q * 1000 / p); m != "" {
				return pass(name, "cpu.cfs_quota_us/cpu.cfs_period_us = %d/%d = %s", q, p, m)
			}
		}
		seen = append(seen, fmt.Sprintf("cpu.cfs_quota_us/cpu.cfs_period_us = %d/%d", q, p))
	}
	if quotaRead {
		// A quota in force that is not the expected one is a failure, whatever the CPU count says.
		return fail(name, "the quota in force is not %dm: %s", want, strings.Join(seen, "; "))
	}
	cpus := runtime.NumCPU()
	if int64(cpus) == int64(math.Ceil(float64(want)/1000)) {
		return pass(name, "weaker evidence: %d CPUs visible = ceil(%dm); no cgroup quota matched (%s)", cpus, want, strings.Join(seen, "; "))
	}
	seen = append(seen, fmt.Sprintf("%d CPUs visible", cpus))
	return fail(name, "nothing shows %dm: %s", want, strings.Join(seen, "; "))
}

// overheadEnv reads a non-negative integer overhead (0 when unset).
func overheadEnv(name string) (int64, error) {
	v, ok := env(name)
	if !ok {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s=%q is not a non-negative integer", name, v)
	}
	return n, nil
}

// oom touches memory 16 MiB at a time until the kernel (gVisor's or the node's) kills it.
func oom() {
	var hold [][]byte
	for {
		b := make([]byte, 16*mib)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		hold = append(hold, b)
		fmt.Fprintf(os.Stderr, "allocated %d MiB\n", len(hold)*16)
	}
}

// fill writes 16 MiB files into dir until a write fails, then waits to be evicted.
func fill(dir string) {
	zero := make([]byte, 16*mib)
	var total int64
	for i := 0; ; i++ {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("fill-%06d", i)))
		if err == nil {
			var n int
			n, err = f.Write(zero)
			total += int64(n)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Printf("wrote %d bytes, then: %v\n", total, err)
			break
		}
	}
	for {
		time.Sleep(time.Hour) // a bare select{} would be reported as a deadlock
	}
}

// serve runs stand-in listeners on the node until SIGTERM.
func serve(specs []string) {
	for _, spec := range specs {
		kind, addr, ok := strings.Cut(spec, ":")
		switch {
		case ok && kind == "tcp":
			l, err := net.Listen("tcp", addr)
			if err != nil {
				fatal("%v", err)
			}
			go serveTCP(l, addr)
		case ok && kind == "dns":
			pc, err := net.ListenPacket("udp", addr)
			if err != nil {
				fatal("%v", err)
			}
			go serveDNS(pc)
		default:
			fatal("serve: %q is not tcp:IP:PORT or dns:IP:PORT", spec)
		}
		fmt.Fprintf(os.Stderr, "serving %s\n", spec)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	<-ctx.Done()
}

func serveTCP(l net.Listener, addr string) {
	body := "eval-sandbox stand-in " + addr + "\n"
	resp := fmt.Sprintf("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			_, _ = c.Write([]byte(resp))
		}()
	}
}

func serveDNS(pc net.PacketConn) {
	buf := make([]byte, 512)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			return
		}
		if resp, err := dnsReply(buf[:n]); err == nil {
			_, _ = pc.WriteTo(resp, from)
		}
	}
}

// dnsReply answers a single-question query with one A record, 192.0.2.1.
func dnsReply(q []byte) ([]byte, error) {
	if len(q) < 12 || q[2]&0x80 != 0 || binary.BigEndian.Uint16(q[4:]) != 1 {
		return nil, errors.New("not a single-question query")
	}
	end, err := skipName(q, 12)
	if err != nil || end+4 > len(q) {
		return nil, errors.New("truncated question")
	}
	resp := append([]byte(nil), q[:end+4]...)
	resp[2] = 0x80 | q[2]&0x01 // QR, keep RD
	resp[3] = 0x80             // RA, rcode 0
	binary.BigEndian.PutUint16(resp[6:], 1)
	binary.BigEndian.PutUint32(resp[8:], 0) // no authority or additional records
	return append(resp, 0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 192, 0, 2, 1), nil
}
