package usersession

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cvpn/cvpn/saml"
	"github.com/cvpn/cvpn/service/api"
)

// The real browser flow is wired in: a sign-in nobody finishes ends with
// ErrSignInTimeout (so the service hears saml_timeout), after the URL was
// shown, and a page that is not a web address is refused before anything
// opens.
func TestSAMLWiring(t *testing.T) {
	t.Setenv(saml.BrowserEnv, "true") // a "browser" that opens nothing
	ask := &fakeAsker{}
	x := &Answerer{Profile: "aws", Ask: ask, SignInTimeout: 200 * time.Millisecond}
	p := &api.Prompt{Kind: api.PromptSAML, URL: "https://idp.example.com/sso"}
	_, err := x.Answer(context.Background(), p)
	if !errors.Is(err, ErrSignInTimeout) && !strings.Contains(err.Error(), "35001") {
		t.Fatalf("err %v, want ErrSignInTimeout (or port 35001 busy on this machine)", err)
	}
	if errors.Is(err, ErrSignInTimeout) {
		if len(ask.urls) != 1 || ask.urls[0] != p.URL {
			t.Errorf("shown %v", ask.urls)
		}
		if cancelReason(p, err) != api.ReasonSAMLTimeout {
			t.Errorf("reason %q", cancelReason(p, err))
		}
	}
	_, err = x.Answer(context.Background(), &api.Prompt{Kind: api.PromptSAML, URL: "file:///etc/passwd"})
	if !errors.Is(err, saml.ErrBadURL) {
		t.Errorf("a file URL: %v", err)
	}
}
