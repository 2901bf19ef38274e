package userguard

import (
	"context"
	"fmt"
	"unsafe"

	"golang.org/x/sys/windows"
)

// x/sys/windows wraps WTSEnumerateSessions and WTSFreeMemory but not
// WTSQuerySessionInformationW, which the user name needs.
var (
	modwtsapi32                     = windows.NewLazySystemDLL("wtsapi32.dll")
	procWTSQuerySessionInformationW = modwtsapi32.NewProc("WTSQuerySessionInformationW")
)

// WTS_INFO_CLASS values from wtsapi32.h.
const (
	wtsInfoUserName           = 5
	wtsInfoDomainName         = 7
	wtsInfoClientName         = 10
	wtsInfoClientProtocolType = 16
)

// wtsCurrentServer is WTS_CURRENT_SERVER_HANDLE: the local machine.
const wtsCurrentServer = 0

// NewSystemSource returns the session source for this machine: the Terminal
// Services session list, which covers the console, fast user switching and
// RDP, including disconnected sessions whose user is still logged in. Any
// failure is an error: the guard fails closed.
func NewSystemSource() *SystemSource {
	return newSystemSource(backend{name: BackendWTS, sessions: wtsSessions})
}

func wtsSessions(ctx context.Context) ([]Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var infos *windows.WTS_SESSION_INFO
	var count uint32
	if err := windows.WTSEnumerateSessions(wtsCurrentServer, 0, 1, &infos, &count); err != nil {
		return nil, fmt.Errorf("enumerate terminal services sessions: %w", err)
	}
	if infos == nil {
		return nil, nil // no sessions at all: not even session 0, but nothing to free
	}
	defer windows.WTSFreeMemory(uintptr(unsafe.Pointer(infos)))

	var out []Session
	for _, si := range unsafe.Slice(infos, count) {
		w := wtsSessionInfo{
			ID:      si.SessionID,
			Station: windows.UTF16PtrToString(si.WindowStationName),
			State:   si.State,
		}
		if w.State != wtsActive && w.State != wtsDisconnected {
			continue // no user can be logged in; spare the queries
		}
		var err error
		if w.User, err = wtsQueryString(w.ID, wtsInfoUserName); err != nil {
			return nil, fmt.Errorf("query session %d user name: %w", w.ID, err)
		}
		if w.User == "" {
			continue
		}
		if w.Domain, err = wtsQueryString(w.ID, wtsInfoDomainName); err != nil {
			return nil, fmt.Errorf("query session %d domain: %w", w.ID, err)
		}
		if w.Protocol, err = wtsQueryProtocol(w.ID); err != nil {
			return nil, fmt.Errorf("query session %d protocol: %w", w.ID, err)
		}
		if w.Protocol != 0 {
			// Informational only: the client name goes into the notice.
			w.ClientName, _ = wtsQueryString(w.ID, wtsInfoClientName)
		}
		if s, ok := wtsToSession(w); ok {
			out = append(out, s)
		}
	}
	return out, nil
}

// wtsQuery calls WTSQuerySessionInformationW and hands the buffer, which
// it frees afterwards, to read.
func wtsQuery(session uint32, class uintptr, read func(buf *uint16, n uint32)) error {
	if err := procWTSQuerySessionInformationW.Find(); err != nil {
		return fmt.Errorf("find WTSQuerySessionInformationW: %w", err)
	}
	var buf *uint16
	var n uint32
	r, _, callErr := procWTSQuerySessionInformationW.Call(
		wtsCurrentServer, uintptr(session), class,
		uintptr(unsafe.Pointer(&buf)), uintptr(unsafe.Pointer(&n)))
	if r == 0 {
		if callErr == nil || callErr == windows.ERROR_SUCCESS {
			callErr = windows.ERROR_INVALID_DATA
		}
		return fmt.Errorf("WTSQuerySessionInformationW: %w", callErr)
	}
	defer windows.WTSFreeMemory(uintptr(unsafe.Pointer(buf)))
	if buf != nil {
		read(buf, n)
	}
	return nil
}

func wtsQueryString(session uint32, class uintptr) (string, error) {
	var s string
	err := wtsQuery(session, class, func(buf *uint16, _ uint32) { s = windows.UTF16PtrToString(buf) })
	return s, err
}

// wtsQueryProtocol returns WTSClientProtocolType, a USHORT.
func wtsQueryProtocol(session uint32) (uint16, error) {
	var p uint16
	err := wtsQuery(session, wtsInfoClientProtocolType, func(buf *uint16, n uint32) {
		if n >= 2 {
			p = *buf
		}
	})
	return p, err
}
