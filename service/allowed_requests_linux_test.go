package service_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cvpn/cvpn/internal/testenv"
	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/service/api"
)

func init() {
	registerRole("post", rolePost)
}

// rolePost posts the body args[2] ("-": its stdin, for bodies too long
// to pass as an argument) to the path args[1] of the socket args[0] over
// its own connection, shutting down its sending side after the request
// when args[3] is "half-close", and prints "STATUS CODE MESSAGE" of the
// answer.
func rolePost(args []string) int {
	if args[2] == "-" {
		body, err := io.ReadAll(os.Stdin)
		if err != nil {
			fmt.Println("0 stdin", err)
			return 1
		}
		args[2] = string(body)
	}
	c, err := net.Dial("unix", args[0])
	if err != nil {
		fmt.Println("0 transport", err)
		return 1
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: cvpn\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", args[1], len(args[2]), args[2])
	if args[3] == "half-close" {
		if err := c.(*net.UnixConn).CloseWrite(); err != nil {
			fmt.Println("0 transport", err)
			return 1
		}
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		fmt.Println("0 transport", err)
		return 1
	}
	defer resp.Body.Close()
	var eb api.ErrorBody
	_ = json.NewDecoder(resp.Body).Decode(&eb)
	fmt.Println(resp.StatusCode, eb.Code, eb.Message)
	return 0
}

// postAs runs rolePost as uid and returns its line.
func postAs(t *testing.T, as *allowedService, uid int, path, body, mode string) string {
	t.Helper()
	cmd := testenv.ChildAs(t, uid, uid, "post", as.sock, path, "-", mode)
	cmd.Stdin = strings.NewReader(body)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("post: %s %v", out, err)
	}
	return strings.TrimSpace(string(out))
}

// An allowed user's request body is one JSON value: more after it is
// refused with 400 and what is wrong; whitespace is not more.
func TestAllowedUserTrailingBytes(t *testing.T) {
	as := startAllowed(t, allowedOptions{console: []int{testenv.Nobody}})
	good := connectJSON(t, "corp", profileText(t))
	tests := []struct {
		name, path, body string
		want             string // start of the answer
	}{
		{"garbage after connect", api.PathConnect, good + "garbage", "400 " + api.CodeBadRequest},
		{"two objects", api.PathConnect, good + good, "400 " + api.CodeBadRequest},
		{"an answer and more", api.PathAnswer, `{"id":"0123"}]`, "400 " + api.CodeBadRequest},
		{"trailing whitespace", api.PathAnswer, "{\"id\":\"0123\"}\n \t", "404 " + api.CodeNoPrompt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := postAs(t, as, testenv.Nobody, tt.path, tt.body, "whole")
			if !strings.HasPrefix(got, tt.want+" ") {
				t.Errorf("got %.300s; want %s…", got, tt.want)
			}
			if strings.HasPrefix(tt.want, "400") && !strings.Contains(got, "after the JSON body") {
				t.Errorf("%.300s does not say what is wrong", got)
			}
		})
	}
	if st, err := as.root.Status(t.Context()); err != nil || len(st.Tunnels) != 0 {
		t.Errorf("a body with trailing bytes started a tunnel: %+v %v", st, err)
	}
}

// An allowed user's client that shuts down its sending side after its
// request has not met an internal error: no 500, and the log says it
// left instead of that the connect failed.
func TestAllowedUserHalfClosedClient(t *testing.T) {
	as := startAllowed(t, allowedOptions{console: []int{testenv.Nobody}})
	as.hold.Store(true) // the connect waits on the request's context
	got := postAs(t, as, testenv.Nobody, api.PathConnect, connectJSON(t, "corp", profileText(t)), "half-close")
	t.Logf("a half-closed client got %.300s", got)
	if strings.HasPrefix(got, "500") || strings.Contains(got, api.CodeInternal) {
		t.Errorf("a half-closed client got %.300s; want no internal error", got)
	}
	data, err := os.ReadFile(filepath.Join(as.logs.Path(), "diagnostic.log"))
	if err != nil {
		t.Fatal(err)
	}
	// "corp: refused: …" is how the service logs a failed connect.
	if strings.Contains(string(data), "corp: refused") || !strings.Contains(string(data), "closed its connection") {
		t.Errorf("the log does not say the client left:\n%s", lastBytes(data, 3000))
	}
}

// An allowed user's profile near its 4 MiB limit is not refused for the
// size of its JSON envelope, and one over the limit is refused with the
// profile's own limit.
func TestAllowedUserProfileSizeLimit(t *testing.T) {
	as := startAllowed(t, allowedOptions{console: []int{testenv.Nobody}})
	pad := func(target int) string {
		p := profileText(t)
		// Comment lines whose newlines, quotes and <>& grow under JSON
		// escaping, as PEM blocks and tags do.
		line := `# <padding> & "quoted" text to bring the profile near its limit` + "\n"
		return p + strings.Repeat(line, (target-len(p))/len(line))
	}
	near := pad(profile.MaxProfileSize - 1000)
	if got := postAs(t, as, testenv.Nobody, api.PathConnect, connectJSON(t, "near", near), "whole"); got != "202" {
		t.Errorf("a %d-byte profile: %.300s; want it connected", len(near), got)
	}
	over := pad(profile.MaxProfileSize + 100<<10)
	got := postAs(t, as, testenv.Nobody, api.PathConnect, connectJSON(t, "over", over), "whole")
	if !strings.HasPrefix(got, "4") || !strings.Contains(got, api.CodeInvalidProfile) || !strings.Contains(got, "4 MiB") ||
		!strings.Contains(got, strconv.Itoa(len(over))) {
		t.Errorf("a %d-byte profile: %.300s; want invalid_profile naming its size and the 4 MiB limit", len(over), got)
	}
}
