package push

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseRecordSplitting(t *testing.T) {
	tests := []struct {
		name   string
		record string
		want   []string // the String of each message
	}{
		{"one message", "EXIT\x00", []string{"EXIT"}},
		{"two in one record", "AUTH_PENDING,timeout 300\x00INFO_PRE,CR_TEXT:R,E:Enter your OTP\x00",
			[]string{"AUTH_PENDING (timeout 5m0s)", `INFO_PRE challenge [R,E]: "Enter your OTP"`}},
		{"line endings chomped", "HALT,bye\r\n\x00", []string{`HALT: "bye"`}},
		{"empty messages skipped", "\x00\x00EXIT\x00", []string{"EXIT"}},
		{"unterminated tail", "EXIT\x00HALT", []string{"EXIT", `unknown control message (no terminating NUL): "HALT"`}},
		{"lone trailing byte ignored", "EXIT\x00\n", []string{"EXIT"}},
		{"control characters", "INFO,a\x01b\x00", []string{`unknown control message (control characters or invalid UTF-8): "INFO,a.b"`}},
		{"utf-8 accepted", "INFO,Grüße\x00", []string{`INFO: "Grüße"`}},
		{"empty record", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, m := range ParseRecord([]byte(tt.record)) {
				got = append(got, m.String())
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestParseMessage(t *testing.T) {
	tests := []struct {
		in   string
		want Message
	}{
		{"PUSH_REPLY", &PushReply{}},
		{"PUSH_REPLY,ping 10,,ping-restart 60", &PushReply{Options: []string{"ping 10", "ping-restart 60"}}},
		{"PUSH_REPLYX", &Unknown{Text: "PUSH_REPLYX", Reason: "bad PUSH_REPLY"}},
		{"PUSH_REQUEST", &Unknown{Text: "PUSH_REQUEST", Reason: "push message a client does not handle"}},
		{"AUTH_FAILED", &AuthFailed{Kind: AuthFailPlain}},
		{"AUTH_FAILED,", &AuthFailed{Kind: AuthFailPlain}},
		{"AUTH_FAILED,Username or password is too long. Maximum length is 128 bytes",
			&AuthFailed{Kind: AuthFailPlain, Reason: "Username or password is too long. Maximum length is 128 bytes"}},
		{"AUTH_FAILED,SESSION: token expired", &AuthFailed{Kind: AuthFailSession, Reason: "SESSION: token expired"}},
		{"AUTH_FAILED,TEMP[backoff 42,advance remote]: try later", &AuthFailed{Kind: AuthFailTemp,
			Reason: "TEMP[backoff 42,advance remote]: try later",
			Temp:   &TempFailure{Backoff: 42 * time.Second, Advance: AdvanceRemote, Message: "try later"}}},
		{"AUTH_FAILED,TEMP[backoff x,advance no,shiny]", &AuthFailed{Kind: AuthFailTemp,
			Reason: "TEMP[backoff x,advance no,shiny]",
			Temp:   &TempFailure{Advance: AdvanceNo, Unknown: []string{"backoff x", "shiny"}}}},
		{"AUTH_FAILED,TEMP", &AuthFailed{Kind: AuthFailTemp, Reason: "TEMP", Temp: &TempFailure{}}},
		{"AUTH_FAILED,TEMP:busy", &AuthFailed{Kind: AuthFailTemp, Reason: "TEMP:busy", Temp: &TempFailure{Message: "busy"}}},
		// doc/management-notes.txt's example.
		{"AUTH_FAILED,CRV1:R,E:Om01u7Fh4LrGBS7uh0SWmzwabUiGiW6l:Y3Ix:Please enter token PIN", &AuthFailed{
			Kind: AuthFailChallenge, Reason: "CRV1:R,E:Om01u7Fh4LrGBS7uh0SWmzwabUiGiW6l:Y3Ix:Please enter token PIN",
			Challenge: &Challenge{Echo: true, ResponseRequired: true, Flags: []string{"R", "E"},
				StateID: "Om01u7Fh4LrGBS7uh0SWmzwabUiGiW6l", UsernameB64: "Y3Ix", Username: "cr1", Text: "Please enter token PIN"}}},
		// AWS Client VPN's SAML challenge, shaped as samm-git/aws-vpn-client and
		// go-openlawsvpn report it (Python bytes repr around the username).
		{"AUTH_FAILED,CRV1:R:instance-1/1234567890123456789/ab12cd34-ef56:b'Ti9B':https://portal.sso.example.com/saml?SAMLRequest=abc%3D&RelayState=x",
			&AuthFailed{Kind: AuthFailChallenge,
				Reason: "CRV1:R:instance-1/1234567890123456789/ab12cd34-ef56:b'Ti9B':https://portal.sso.example.com/saml?SAMLRequest=abc%3D&RelayState=x",
				Challenge: &Challenge{ResponseRequired: true, Flags: []string{"R"},
					StateID: "instance-1/1234567890123456789/ab12cd34-ef56", UsernameB64: "b'Ti9B'", Username: "N/A",
					Text: "https://portal.sso.example.com/saml?SAMLRequest=abc%3D&RelayState=x"}}},
		{"AUTH_FAILED,CRV1:R:state:!!notb64!!:text", &AuthFailed{Kind: AuthFailChallenge, Reason: "CRV1:R:state:!!notb64!!:text",
			Challenge: &Challenge{ResponseRequired: true, Flags: []string{"R"}, StateID: "state", UsernameB64: "!!notb64!!", Text: "text"}}},
		{"AUTH_FAILED,CRV1:R", &AuthFailed{Kind: AuthFailPlain, Reason: "CRV1:R"}},
		{"AUTH_PENDING", &AuthPending{}},
		{"AUTH_PENDING,timeout 180,color blue", &AuthPending{Timeout: 180 * time.Second, Unknown: []string{"color blue"}}},
		{"INFO_PRE,WEB_AUTH::https://idp.example/auth?x=1", &Info{Pre: true, Text: "WEB_AUTH::https://idp.example/auth?x=1",
			Kind: InfoWebAuth, WebAuth: &WebAuth{URL: "https://idp.example/auth?x=1"}}},
		{"INFO_PRE,WEB_AUTH:hidden,external:https://idp.example/", &Info{Pre: true, Text: "WEB_AUTH:hidden,external:https://idp.example/",
			Kind: InfoWebAuth, WebAuth: &WebAuth{URL: "https://idp.example/", Flags: []string{"hidden", "external"}, Hidden: true, External: true}}},
		{"INFO_PRE,WEB_AUTH:proxy=[2001:db8::1];3128;dXNlcg==;c2VjcmV0,external:http://10.0.0.1/x", &Info{Pre: true,
			Text: "WEB_AUTH:proxy,external:http://10.0.0.1/x", Kind: InfoWebAuth,
			WebAuth: &WebAuth{URL: "http://10.0.0.1/x", Flags: []string{"proxy", "external"}, External: true,
				Proxy: &WebAuthProxy{Host: "2001:db8::1", Port: 3128, Username: "user", Password: "secret"}}}},
		{"INFO_PRE,OPEN_URL:https://idp.example/", &Info{Pre: true, Text: "OPEN_URL:https://idp.example/", Kind: InfoWebAuth,
			WebAuth: &WebAuth{URL: "https://idp.example/", Deprecated: true}}},
		{"INFO,CR_TEXT:E:Your PIN?", &Info{Text: "CR_TEXT:E:Your PIN?", Kind: InfoCRText,
			CRText: &CRText{Echo: true, Flags: []string{"E"}, Text: "Your PIN?"}}},
		{"INFO,hello: world", &Info{Text: "hello: world"}},
		{"INFO", &Info{}},
		{"INFOMSG,x", &Unknown{Text: "INFOMSG,x", Reason: "unknown command"}},
		{"RESTART", &Restart{}},
		{"RESTART,[PN]server moved", &Restart{Message: "server moved", KeepPassword: true, NextServer: true}},
		{"HALT,[P]maintenance", &Halt{Message: "maintenance", KeepPassword: true}},
		{"HALT,[oops", &Halt{}},
		{"EXIT", &Exit{}},
		{"CR_RESPONSE,MTIz", &Unknown{Text: "CR_RESPONSE,MTIz", Reason: "CR_RESPONSE goes from client to server"}},
		{"PUSH_UPDATE,route 1.2.3.0 255.255.255.0", &Unknown{Text: "PUSH_UPDATE,route 1.2.3.0 255.255.255.0",
			Reason: "push message a client does not handle"}},
		{"HELLO", &Unknown{Text: "HELLO", Reason: "unknown command"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := ParseMessage(tt.in)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %#v\nwant %#v", got, tt.want)
			}
			_ = got.String() // every message renders
		})
	}
}

func TestNoSecretsInStrings(t *testing.T) {
	msgs := []Message{
		ParseMessage("PUSH_REPLY,ping 10,auth-token SESS_ID_AT_topsecret,cipher AES-256-GCM"),
		ParseMessage("INFO_PRE,WEB_AUTH:proxy=10.0.0.1;3128;dXNlcg==;dG9wc2VjcmV0:http://x/"),
		ParseMessage("AUTH_FAILED,CRV1:R:topsecret:Y3Ix:Enter code"),
		ParseMessage("PUSH_REPLYauth-token topsecret"),
	}
	for _, m := range msgs {
		for _, verb := range []string{"%v", "%s"} {
			if out := fmt.Sprintf(verb, m); strings.Contains(out, "topsecret") {
				t.Errorf("%T leaks with %s: %s", m, verb, out)
			}
		}
	}
	info := msgs[1].(*Info)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x"} {
		if out := fmt.Sprintf(verb, *info.WebAuth.Proxy); strings.Contains(out, "topsecret") || strings.Contains(out, fmt.Sprintf("%x", "topsecret")) {
			t.Errorf("proxy password leaks with %s: %s", verb, out)
		}
	}
	if info.WebAuth.Proxy.Password.Reveal() != "topsecret" {
		t.Error("proxy password not decoded")
	}
}

func TestClientMessages(t *testing.T) {
	if got := string(Frame(PushRequest)); got != "PUSH_REQUEST\x00" {
		t.Errorf("Frame = %q", got)
	}
	if got := CRResponse("8675309"); got != "CR_RESPONSE,ODY3NTMwOQ==" {
		t.Errorf("CRResponse = %q", got)
	}
}

func TestRedactOption(t *testing.T) {
	tests := []struct{ in, want string }{
		{"auth-token SESS_ID_AT_abc", "auth-token [redacted]"},
		{"auth-token-user YWxpY2U=", "auth-token-user YWxpY2U="},
		{"PUSH_REPLY,ping 10,auth-token abc,peer-id 0", "PUSH_REPLY,ping 10,auth-token [redacted],peer-id 0"},
		{"route 10.0.0.0 255.0.0.0", "route 10.0.0.0 255.0.0.0"},
	}
	for _, tt := range tests {
		if got := RedactOption(tt.in); got != tt.want {
			t.Errorf("RedactOption(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
