package service_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/service/api"
)

// Tests of how the service reads requests: bodies, their limits, and
// clients that leave before the answer.

// post sends body to path over its own connection, shutting down the
// sending side afterwards when halfClose is set, and returns the answer.
func post(t *testing.T, ts *testService, path, body string, halfClose bool) (int, api.ErrorBody) {
	t.Helper()
	c, err := net.Dial("unix", ts.sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	w := bufio.NewWriter(c)
	fmt.Fprintf(w, "POST %s HTTP/1.1\r\nHost: cvpn\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", path, len(body), body)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if halfClose {
		if err := c.(*net.UnixConn).CloseWrite(); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var eb api.ErrorBody
	_ = json.NewDecoder(resp.Body).Decode(&eb)
	return resp.StatusCode, eb
}

func connectJSON(t *testing.T, name, profile string) string {
	t.Helper()
	data, err := json.Marshal(api.ConnectBody{Name: name, Profile: profile})
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// A client that closes its sending side after its request (or leaves) has
// not met an internal error: it gets no 500, and the log says it left.
func TestAPIHalfClosedClient(t *testing.T) {
	ts := startService(t)
	ts.hold.Store(true) // the guard's session lookup waits on the request
	status, eb := post(t, ts, api.PathConnect, connectJSON(t, "corp", profileText(t)), true)
	if status == http.StatusInternalServerError || eb.Code == api.CodeInternal {
		t.Errorf("a half-closed client got %d %s %q; want no internal error", status, eb.Code, eb.Message)
	}
	data, err := os.ReadFile(filepath.Join(ts.logs.Path(), "diagnostic.log"))
	if err != nil {
		t.Fatal(err)
	}
	// "corp: refused: …" is how the service logs a failed connect.
	if strings.Contains(string(data), "corp: refused") || !strings.Contains(string(data), "closed its connection") {
		t.Errorf("the log does not say the client left:\n%s", data)
	}
}

// A body is one JSON value; more after it is refused, whitespace is not.
func TestAPIRefusesTrailingBytes(t *testing.T) {
	ts := startService(t)
	good := connectJSON(t, "corp", profileText(t))
	tests := []struct {
		name, path, body string
		status           int
		code             string
	}{
		{"garbage after connect", api.PathConnect, good + "garbage", 400, api.CodeBadRequest},
		{"two objects", api.PathConnect, good + good, 400, api.CodeBadRequest},
		{"an answer and more", api.PathAnswer, `{"id":"0123"}]`, 400, api.CodeBadRequest},
		{"trailing whitespace", api.PathAnswer, "{\"id\":\"0123\"}\n \t", 404, api.CodeNoPrompt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, eb := post(t, ts, tt.path, tt.body, false)
			if status != tt.status || eb.Code != tt.code {
				t.Errorf("got %d %s %q; want %d %s", status, eb.Code, eb.Message, tt.status, tt.code)
			}
			if tt.status == 400 && !strings.Contains(eb.Message, "after the JSON body") {
				t.Errorf("message %q does not say what is wrong", eb.Message)
			}
		})
	}
}

// A profile near its 4 MiB limit is not refused for the size of its JSON
// envelope, and one over the limit is refused with the profile's limit.
func TestAPIProfileSizeLimit(t *testing.T) {
	ts := startService(t)
	pad := func(target int) string {
		p := profileText(t)
		// Comment lines whose newlines, quotes and <>& grow under JSON
		// escaping, as PEM blocks and tags do.
		line := `# <padding> & "quoted" text to bring the profile near its limit` + "\n"
		p += strings.Repeat(line, (target-len(p))/len(line))
		return p
	}
	near := pad(profile.MaxProfileSize - 1000)
	body := connectJSON(t, "near", near)
	if len(body) <= profile.MaxProfileSize+64<<10 {
		t.Fatalf("the test's profile is %d bytes as JSON; it must outgrow the old limit", len(body))
	}
	if status, eb := post(t, ts, api.PathConnect, body, false); status != http.StatusAccepted {
		t.Errorf("a %d-byte profile: %d %s %q; want it connected", len(near), status, eb.Code, eb.Message)
	}
	over := pad(profile.MaxProfileSize + 100<<10)
	status, eb := post(t, ts, api.PathConnect, connectJSON(t, "over", over), false)
	if status/100 != 4 || eb.Code != api.CodeInvalidProfile || !strings.Contains(eb.Message, "4 MiB") ||
		!strings.Contains(eb.Message, strconv.Itoa(len(over))) {
		t.Errorf("a %d-byte profile: %d %s %q; want invalid_profile naming its size and the 4 MiB limit", len(over), status, eb.Code, eb.Message)
	}
}
