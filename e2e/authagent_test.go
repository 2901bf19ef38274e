//go:build linux

package e2e

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cvpn/cvpn/e2e/lab"
)

// Sign-in flows of a stock openvpn 2.6 server whose authentication is
// decided by a management-interface agent (lab.AuthAgent), as OpenVPN's
// SSO and MFA integrations do: a static challenge (SCRV1), a CRV1 dynamic
// challenge, a CR_TEXT question asked while the server holds the client in
// AUTH_PENDING, and a wrong answer refused with the server's message. cvpn
// asks on its terminal each time.

const (
	agentUser = "alice"
	agentPass = "agent-pw-57"
)

// scrv1 decodes a static-challenge password "SCRV1:b64pass:b64resp".
func scrv1(p string) (pass, resp string, ok bool) {
	f := strings.Split(p, ":")
	if len(f) != 3 || f[0] != "SCRV1" {
		return "", "", false
	}
	a, err1 := base64.StdEncoding.DecodeString(f[1])
	b, err2 := base64.StdEncoding.DecodeString(f[2])
	return string(a), string(b), err1 == nil && err2 == nil
}

func TestCvpnSignInFlows(t *testing.T) {
	lab.Require(t, "script")
	b64 := base64.StdEncoding.EncodeToString
	crv1 := "CRV1:R,E:" + b64([]byte("state-9")) + ":" + b64([]byte(agentUser)) + ":Enter your token"
	tests := []struct {
		name    string
		profile []string
		decide  func(*lab.AuthRequest) lab.Decision
		// steps: wait for the prompt, then type the answer.
		steps [][2]string
		// want is what cvpn's terminal must show at the end.
		want string
		// sso: the client must have announced these IV_SSO methods.
		sso string
	}{
		{
			name:    "static challenge",
			profile: []string{"auth-user-pass", `static-challenge "Enter PIN" 1`},
			decide: func(r *lab.AuthRequest) lab.Decision {
				pass, resp, ok := scrv1(r.Env["password"])
				if ok && pass == agentPass && resp == "123456" {
					return lab.Decision{Accept: true}
				}
				return lab.Decision{Deny: "wrong PIN"}
			},
			steps: [][2]string{{"Enter PIN: ", "123456"}},
			want:  "\nconnected ",
		},
		{
			name:    "CRV1 dynamic challenge",
			profile: []string{"auth-user-pass"},
			decide: func(r *lab.AuthRequest) lab.Decision {
				switch r.Env["password"] {
				case agentPass:
					return lab.Decision{Deny: crv1}
				case "CRV1::" + b64([]byte("state-9")) + "::777":
					return lab.Decision{Accept: true}
				}
				return lab.Decision{Deny: "wrong token"}
			},
			steps: [][2]string{{"Enter your token: ", "777"}},
			want:  "\nconnected ",
		},
		{
			name:    "CR_TEXT while pending",
			profile: []string{"auth-user-pass"},
			decide:  crTextAgent("4242"),
			steps:   [][2]string{{"Enter the code from your phone: ", "4242"}},
			want:    "\nconnected ",
			sso:     "crtext",
		},
		{
			name:    "CR_TEXT answered wrong",
			profile: []string{"auth-user-pass"},
			decide:  crTextAgent("4242"),
			steps:   [][2]string{{"Enter the code from your phone: ", "1111"}},
			want:    "wrong code, try again",
		},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
			t.Parallel()
			l := lab.NewT(t, lab.Options{NoStart: true})
			sock := filepath.Join(l.Dir, "mgmt.sock")
			appendServerLines(t, l, lab.ManagementLines(sock)...)
			ctx := t.Context()
			if err := l.StartServer(ctx); err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			var seen []*lab.AuthRequest
			agent, err := lab.StartAuthAgent(ctx, sock, func(r *lab.AuthRequest) lab.Decision {
				mu.Lock()
				seen = append(seen, r)
				mu.Unlock()
				return tt.decide(r)
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("auth agent:\n%s", agent.Log())
				}
				agent.Close()
			})
			profile := filepath.Join(l.Dir, "agent.ovpn")
			if err := l.WriteClientProfile(profile, lab.ProfileOptions{Extra: tt.profile}); err != nil {
				t.Fatal(err)
			}
			c := startCvpnOnTerminal(t, l, profile)
			c.WaitOutput(t, "Username for ", 30*time.Second)
			c.Type(t, agentUser+"\n")
			c.WaitOutput(t, "Password for "+agentUser+": ", 30*time.Second)
			c.Type(t, agentPass+"\n")
			for _, s := range tt.steps {
				c.WaitOutput(t, s[0], 30*time.Second)
				c.Type(t, s[1]+"\n")
			}
			c.WaitOutput(t, tt.want, 30*time.Second)
			if tt.want == "\nconnected " {
				assertTunnel(t, l)
			}
			if strings.Contains(c.Output(), agentPass) {
				t.Error("the password reached cvpn's output")
			}
			if tt.sso != "" {
				mu.Lock()
				defer mu.Unlock()
				if len(seen) == 0 || !strings.Contains(seen[0].Env["IV_SSO"], tt.sso) {
					t.Errorf("IV_SSO %q, want it to hold %q", firstEnv(seen, "IV_SSO"), tt.sso)
				}
			}
		})
	}
}

// crTextAgent accepts the password, then asks a CR_TEXT question while
// the client waits in AUTH_PENDING, and accepts only code.
func crTextAgent(code string) func(*lab.AuthRequest) lab.Decision {
	return func(r *lab.AuthRequest) lab.Decision {
		switch {
		case r.Event == "CR_RESPONSE" && r.CRResponse == code:
			return lab.Decision{Accept: true}
		case r.Event == "CR_RESPONSE":
			return lab.Decision{Deny: "wrong code, try again"}
		case r.Env["password"] == agentPass:
			return lab.Decision{Pending: "CR_TEXT:E,R:Enter the code from your phone", PendingTimeout: 60 * time.Second}
		}
		return lab.Decision{Deny: "wrong password"}
	}
}

func firstEnv(rs []*lab.AuthRequest, k string) string {
	if len(rs) == 0 {
		return ""
	}
	return rs[0].Env[k]
}

// appendServerLines adds lines to a lab's server.conf before it starts.
func appendServerLines(t *testing.T, l *lab.Lab, lines ...string) {
	t.Helper()
	f, err := os.OpenFile(l.ServerConfigPath, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteString(strings.Join(lines, "\n") + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
}
