package openvpn

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/cvpn/cvpn/openvpn/push"
	"github.com/cvpn/cvpn/profile"
)

func TestSSOMethods(t *testing.T) {
	pr := PrompterFunc(func(context.Context, *Prompt) (*Answer, error) { return &Answer{}, nil })
	tests := []struct {
		opts Options
		want []string
	}{
		{Options{}, nil},
		{Options{WebAuth: true}, nil},
		{Options{Prompter: pr}, []string{"crtext"}},
		{Options{Prompter: pr, WebAuth: true}, []string{"webauth", "openurl", "crtext"}},
	}
	for _, tt := range tests {
		if got := ssoMethods(tt.opts); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ssoMethods(webauth=%v, prompter=%v) = %v, want %v", tt.opts.WebAuth, tt.opts.Prompter != nil, got, tt.want)
		}
	}
}

func TestPendingPrompt(t *testing.T) {
	pr := PrompterFunc(func(context.Context, *Prompt) (*Answer, error) { return &Answer{}, nil })
	info := func(s string) *push.Info {
		m, ok := push.ParseMessage(s).(*push.Info)
		if !ok {
			t.Fatalf("%q does not parse as INFO_PRE", s)
		}
		return m
	}
	tests := []struct {
		name    string
		opts    Options
		msg     string
		want    string // "kind url/text", "" for no prompt
		wantErr string
	}{
		{"web auth", Options{Prompter: pr, WebAuth: true}, "INFO_PRE,WEB_AUTH::https://sso.example/x?s=1:2", "5 https://sso.example/x?s=1:2", ""},
		{"open url", Options{Prompter: pr, WebAuth: true}, "INFO_PRE,OPEN_URL:http://10.0.0.1:8080/a", "5 http://10.0.0.1:8080/a", ""},
		{"web auth without a browser only logs", Options{Prompter: pr}, "INFO_PRE,WEB_AUTH::https://sso.example/", "", ""},
		{"a file URL is refused", Options{Prompter: pr, WebAuth: true}, "INFO_PRE,WEB_AUTH::file:///etc/passwd", "", "not a web address"},
		{"a command is refused", Options{Prompter: pr, WebAuth: true}, "INFO_PRE,OPEN_URL:calc.exe", "", "not a web address"},
		{"cr_text", Options{Prompter: pr}, "INFO_PRE,CR_TEXT:E,R:Your PIN?", "2 Your PIN?", ""},
		{"cr_text without a prompter", Options{}, "INFO_PRE,CR_TEXT:R:Your PIN?", "", "no one to answer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Session{prof: &profile.Profile{Name: "corp"}, opts: tt.opts, logf: func(string, ...any) {}}
			l := &link{s: s}
			p, err := l.pendingPrompt(info(tt.msg))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if p != nil {
				got = p.URL
				if p.Challenge != nil {
					got = p.Challenge.Text
				}
				got = fmt.Sprintf("%d %s", p.Kind, got)
			}
			if got != tt.want {
				t.Errorf("prompt %q, want %q", got, tt.want)
			}
		})
	}
}
