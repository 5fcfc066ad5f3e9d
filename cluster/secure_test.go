package cluster

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nkeys"
)

// TestNKeyAndMutualTLS: a server that wants an nkey and a client certificate, over TLS,
// takes Connect's --nats-nkey and --nats-tls-* files as they are, and refuses a client
// without the nkey, without the CA or without its certificate.
func TestNKeyAndMutualTLS(t *testing.T) {
	dir := t.TempDir()
	ca, caKey := certificate(t, nil, nil, "denoise test CA", true)
	srvCert, srvKey := certificate(t, ca, caKey, "127.0.0.1", false)
	cliCert, cliKey := certificate(t, ca, caKey, "denoise worker", false)
	files := map[string][]byte{
		"ca.pem": pemOf("CERTIFICATE", ca.Raw), "server.pem": pemOf("CERTIFICATE", srvCert.Raw), "client.pem": pemOf("CERTIFICATE", cliCert.Raw),
		"server.key": keyPEM(t, srvKey), "client.key": keyPEM(t, cliKey),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	user, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := user.PublicKey()
	seed, _ := user.Seed()
	seedFile := filepath.Join(dir, "worker.nk")
	if err := os.WriteFile(seedFile, seed, 0o600); err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	pair, err := tls.X509KeyPair(files["server.pem"], files["server.key"])
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: server.RANDOM_PORT, NoSigs: true, NoLog: true,
		Nkeys:     []*server.NkeyUser{{Nkey: pub}},
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{pair}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12},
		TLSVerify: true, TLSTimeout: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Start()
	defer srv.Shutdown()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("server not ready")
	}
	url := "tls://" + srv.Addr().String()
	full := Connect{URL: url, NKey: seedFile, TLSCA: filepath.Join(dir, "ca.pem"),
		TLSCert: filepath.Join(dir, "client.pem"), TLSKey: filepath.Join(dir, "client.key")}
	nc, err := full.Dial()
	if err != nil {
		t.Fatalf("with nkey and certificates: %v", err)
	}
	nc.Close()
	for name, c := range map[string]Connect{
		"no nkey":        {URL: url, TLSCA: full.TLSCA, TLSCert: full.TLSCert, TLSKey: full.TLSKey},
		"no CA":          {URL: url, NKey: seedFile, TLSCert: full.TLSCert, TLSKey: full.TLSKey},
		"no certificate": {URL: url, NKey: seedFile, TLSCA: full.TLSCA},
	} {
		if nc, err := c.Dial(); err == nil {
			nc.Close()
			t.Errorf("%s: connected", name)
		}
	}
}

func certificate(t *testing.T, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, name string, isCA bool) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IsCA:        isCA, BasicConstraintsValid: true,
	}
	if ip := net.ParseIP(name); ip != nil {
		tmpl.IPAddresses = []net.IP{ip}
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c, key
}

func pemOf(kind string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der})
}

func keyPEM(t *testing.T, k *ecdsa.PrivateKey) []byte {
	der, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pemOf("EC PRIVATE KEY", der)
}
