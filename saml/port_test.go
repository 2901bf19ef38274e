package saml

import (
	"errors"
	"syscall"
	"testing"
)

func TestPortInUseMessage(t *testing.T) {
	tests := []struct {
		e    PortInUseError
		want string
	}{
		{PortInUseError{Port: 35001, Program: "aws-vpn-client", PID: 1234, UID: 1000},
			`port 35001 on 127.0.0.1 is in use by "aws-vpn-client" (pid 1234): the AWS VPN Client or another sign-in is running; close it and try again`},
		{PortInUseError{Port: 35001, PID: 9, UID: -1},
			`port 35001 on 127.0.0.1 is in use by pid 9: the AWS VPN Client or another sign-in is running; close it and try again`},
		{PortInUseError{Port: 35001, UID: 0},
			`port 35001 on 127.0.0.1 is in use by another program (of uid 0): the AWS VPN Client or another sign-in is running; close it and try again`},
		{PortInUseError{Port: 35001, UID: -1},
			`port 35001 on 127.0.0.1 is in use by another program: the AWS VPN Client or another sign-in is running; close it and try again`},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("got  %s\nwant %s", got, tt.want)
		}
	}
	r := &PortInUseError{Port: 35001, Reserved: true, Err: syscall.EACCES}
	if !errors.Is(r, ErrPortInUse) || !errors.Is(r, syscall.EACCES) {
		t.Errorf("%v does not wrap ErrPortInUse and its cause", r)
	}
}

func TestBindErrorOther(t *testing.T) {
	cause := errors.New("boom")
	err := bindError(35001, cause)
	if errors.Is(err, ErrPortInUse) || !errors.Is(err, cause) {
		t.Fatalf("bindError = %v", err)
	}
}
