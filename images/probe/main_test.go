package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestDNSQueryAndReplyRoundTrip(t *testing.T) {
	q, err := dnsQuery(0x1234, "kubernetes.default.svc.cluster.local.")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := dnsReply(q)
	if err != nil {
		t.Fatal(err)
	}
	ips, err := dnsAnswers(resp, 0x1234)
	if err != nil {
		t.Fatal(err)
	}
	if len(ips) != 1 || !ips[0].Equal(net.IPv4(192, 0, 2, 1)) {
		t.Fatalf("answers = %v, want [192.0.2.1]", ips)
	}
	if _, err := dnsAnswers(resp, 0x4321); err == nil {
		t.Fatal("a response to another query id was accepted")
	}
}

func TestDNSAnswersErrors(t *testing.T) {
	q, _ := dnsQuery(7, "example.com")
	nx := append([]byte(nil), q...)
	nx[2], nx[3] = 0x81, 0x83 // response, NXDOMAIN
	if _, err := dnsAnswers(nx, 7); err == nil || err.Error() != "rcode 3" {
		t.Fatalf("NXDOMAIN: err = %v", err)
	}
	empty := append([]byte(nil), q...)
	empty[2], empty[3] = 0x81, 0x80
	if _, err := dnsAnswers(empty, 7); err == nil {
		t.Fatal("an answer without A records was accepted")
	}
	if _, err := dnsAnswers(q, 7); err == nil {
		t.Fatal("a query (QR=0) was accepted as a response")
	}
	if _, err := dnsQuery(1, "bad..name"); err == nil {
		t.Fatal("an empty label was encoded")
	}
}

func TestLookupAgainstServe(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	go serveDNS(pc)
	ips, err := lookupA(pc.LocalAddr().String(), "example.com", time.Second)
	if err != nil || len(ips) != 1 || ips[0].String() != "192.0.2.1" {
		t.Fatalf("lookupA = %v, %v", ips, err)
	}
	silent, _ := net.ListenPacket("udp", "127.0.0.1:0") // bound, never answers
	defer silent.Close()
	if _, err := lookupA(silent.LocalAddr().String(), "example.com", 200*time.Millisecond); !errors.Is(err, errNoAnswer) {
		t.Fatalf("a silent resolver: want errNoAnswer, got %v", err)
	}
	// A port nobody listens on: refused, which is no answer either.
	closed, _ := net.ListenPacket("udp", "127.0.0.1:0")
	addr := closed.LocalAddr().String()
	closed.Close()
	if _, err := lookupA(addr, "example.com", 500*time.Millisecond); !errors.Is(err, errNoAnswer) {
		t.Fatalf("a closed port: want errNoAnswer, got %v", err)
	}
}

func TestNameservers(t *testing.T) {
	p := filepath.Join(t.TempDir(), "resolv.conf")
	conf := "# comment\nsearch ns.svc.cluster.local svc.cluster.local\nnameserver 10.100.0.10\nnameserver  fd00::a \noptions ndots:5\nnameserver\n"
	if err := os.WriteFile(p, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := nameservers(p)
	if err != nil || !reflect.DeepEqual(got, []string{"10.100.0.10", "fd00::a"}) {
		t.Fatalf("nameservers = %v, %v", got, err)
	}
}

func TestBlockedTargetsDefault(t *testing.T) {
	t.Setenv("KUBERNETES_SERVICE_HOST", "10.100.0.1")
	t.Setenv("KUBERNETES_SERVICE_PORT", "443")
	os.Unsetenv("PROBE_BLOCKED")
	want := []string{"169.254.169.254:80", "169.254.170.23:80", "10.100.0.1:443", "kubernetes.default.svc.cluster.local:443"}
	if got := blockedTargets(); !reflect.DeepEqual(got, want) {
		t.Fatalf("blockedTargets = %v", got)
	}
	t.Setenv("PROBE_BLOCKED", " 10.0.0.1:80, ,")
	if got := blockedTargets(); !reflect.DeepEqual(got, []string{"10.0.0.1:80"}) {
		t.Fatalf("blockedTargets = %v", got)
	}
}

func TestDialOutcomes(t *testing.T) {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	if ok, _ := dial(addr, time.Second); !ok {
		t.Fatal("a listening port did not connect")
	}
	l.Close()
	if ok, detail := dial(addr, time.Second); ok || !strings.HasPrefix(detail, "refused") {
		t.Fatalf("closed port: %v %q", ok, detail)
	}
	if ok, detail := dial("no-such-name.invalid:80", time.Second); ok || !strings.HasPrefix(detail, "name did not resolve") {
		t.Fatalf("unresolvable name: %v %q", ok, detail)
	}
}

// fakeProxy answers each CONNECT with reply, then writes greeting; it records the request lines.
func fakeProxy(t *testing.T, reply, greeting string) (string, *[]string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	var seen []string
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			buf := make([]byte, 1024)
			n, _ := c.Read(buf)
			seen = append(seen, strings.SplitN(string(buf[:n]), "\r\n", 2)[0])
			_, _ = c.Write([]byte(reply + greeting))
			c.Close()
		}
	}()
	return "http://" + l.Addr().String(), &seen
}

func TestProxyChecks(t *testing.T) {
	t.Setenv("PROBE_SETTLE_MS", "0")
	ok, seen := fakeProxy(t, "HTTP/1.1 200 Connection established\r\n\r\n", "hello from the far end")
	t.Setenv("HTTPS_PROXY", ok)
	c := checkProxyAllowed("pypi.org:443", time.Second)
	if !c.OK || !strings.Contains(c.Detail, "hello from the far end") || c.Name != "proxy-allowed:pypi.org:443" {
		t.Fatalf("allowed through a proxy that connects: %+v", c)
	}
	if (*seen)[0] != "CONNECT pypi.org:443 HTTP/1.1" {
		t.Fatalf("request line = %q", (*seen)[0])
	}
	if c := checkProxyDenied("pypi.org:443", time.Second); c.OK {
		t.Fatalf("denied passed although the proxy connected: %+v", c)
	}

	refusing, _ := fakeProxy(t, "HTTP/1.1 403 Forbidden\r\nServer: squid\r\n\r\n", "")
	t.Setenv("HTTPS_PROXY", refusing)
	if c := checkProxyDenied("example.org:443", time.Second); !c.OK || !strings.Contains(c.Detail, "403") {
		t.Fatalf("denied against a refusing proxy: %+v", c)
	}
	if c := checkProxyAllowed("example.org:443", time.Second); c.OK {
		t.Fatalf("allowed passed although the proxy refused: %+v", c)
	}

	t.Setenv("HTTPS_PROXY", "")
	t.Setenv("https_proxy", "")
	for _, c := range []Check{checkProxyAllowed("a.org:443", time.Second), checkProxyDenied("a.org:443", time.Second)} {
		if c.OK || !strings.Contains(c.Detail, "HTTPS_PROXY is not set") {
			t.Fatalf("without a proxy: %+v", c)
		}
	}
	closed := fmt.Sprintf("http://127.0.0.1:%d", freeTCPPort(t))
	t.Setenv("HTTPS_PROXY", closed)
	if c := checkProxyDenied("a.org:443", time.Second); c.OK || !strings.Contains(c.Detail, "refused") {
		t.Fatalf("denied with no proxy listening must fail (nothing refused the name): %+v", c)
	}
}

func freeTCPPort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
