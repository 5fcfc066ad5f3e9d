package cluster

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Server is a NATS server with JetStream running inside this process: the single-machine
// default, and what the tests run against.
type Server struct {
	srv *server.Server
	dir string
	tmp bool
}

// StartServer starts an embedded server listening on host:port (port 0: any free port) with
// its JetStream store in dir ("": a temporary folder, removed by Close; give a folder to
// keep jobs resumable across runs). It only listens on the loopback interface unless host
// says otherwise.
func StartServer(host string, port int, dir string) (*Server, error) {
	return StartServerAuth(host, port, dir, "", "")
}

// StartServerAuth is StartServer with a user and password that clients must give (none
// when user is "").
func StartServerAuth(host string, port int, dir, user, password string) (*Server, error) {
	s := &Server{dir: dir}
	if dir == "" {
		d, err := os.MkdirTemp("", "denoise-nats-*")
		if err != nil {
			return nil, err
		}
		s.dir, s.tmp = d, true
	}
	if host == "" {
		host = "127.0.0.1"
	}
	if port == 0 {
		port = server.RANDOM_PORT
	}
	srv, err := server.NewServer(&server.Options{
		ServerName: "denoise-embedded", Host: host, Port: port, JetStream: true, StoreDir: s.dir,
		NoSigs: true, NoLog: true, MaxPayload: 8 << 20, Username: user, Password: password,
	})
	if err != nil {
		s.removeStore()
		return nil, fmt.Errorf("nats server: %w", err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		s.removeStore()
		return nil, errors.New("nats server: not ready after 10 s")
	}
	s.srv = srv
	return s, nil
}

// URL is where clients connect.
func (s *Server) URL() string { return s.srv.ClientURL() }

// Close stops the server and removes a temporary store.
func (s *Server) Close() {
	s.srv.Shutdown()
	s.srv.WaitForShutdown()
	s.removeStore()
}

func (s *Server) removeStore() {
	if s.tmp {
		_ = os.RemoveAll(s.dir)
	}
}
