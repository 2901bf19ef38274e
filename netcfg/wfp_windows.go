//go:build windows && (amd64 || arm64)

package netcfg

// The real side of the wfpSession seam (see wfp_plan.go): the Base
// Filtering Engine's management API in fwpuclnt.dll, called through
// LazyDLL with structures written by hand after the Windows SDK headers
// (fwptypes.h, fwpmtypes.h) for 64-bit Windows, amd64 and arm64 alike:
// pointers and pointer-sized unions are 8 bytes, UINT64 aligns to 8.
// wfp_layout_windows_test.go checks every size and offset against the
// SDK's.
//
// THIS CODE HAS NEVER RUN ON WINDOWS. It compiles (GOOS=windows) and the
// filters it adds are golden-tested on Linux; the calls themselves, the
// layouts against a real fwpuclnt.dll, and the error codes are untried.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	modFwpuclnt                = windows.NewLazySystemDLL("fwpuclnt.dll")
	procFwpmEngineOpen0        = modFwpuclnt.NewProc("FwpmEngineOpen0")
	procFwpmEngineClose0       = modFwpuclnt.NewProc("FwpmEngineClose0")
	procFwpmTransactionBegin0  = modFwpuclnt.NewProc("FwpmTransactionBegin0")
	procFwpmTransactionCommit0 = modFwpuclnt.NewProc("FwpmTransactionCommit0")
	procFwpmTransactionAbort0  = modFwpuclnt.NewProc("FwpmTransactionAbort0")
	procFwpmSubLayerAdd0       = modFwpuclnt.NewProc("FwpmSubLayerAdd0")
	procFwpmFilterAdd0         = modFwpuclnt.NewProc("FwpmFilterAdd0")
)

// From fwptypes.h and fwpmtypes.h.
const (
	fwpmSessionFlagDynamic = 0x1
	rpcCAuthnWinNT         = 10
	wfpTxnWaitMillis       = 10000

	fwpUint8       = 1
	fwpUint16      = 2
	fwpUint32      = 3
	fwpUint64      = 4
	fwpV4AddrMask  = 0x100
	fwpV6AddrMask  = 0x101
	fwpMatchEqual  = 0
	fwpMatchAllSet = 6 // FWP_MATCH_FLAGS_ALL_SET

	fwpActionBlock  = 0x1 | 0x1000 // FWP_ACTION_FLAG_TERMINATING
	fwpActionPermit = 0x2 | 0x1000

	fwpConditionFlagIsLoopback = 0x1
)

// GUIDs of layers and condition fields, from fwpmu.h.
var (
	fwpmLayerALEAuthConnectV4    = windows.GUID{Data1: 0xc38d57d1, Data2: 0x05a7, Data3: 0x4c33, Data4: [8]byte{0x90, 0x4f, 0x7f, 0xbc, 0xee, 0xe6, 0x0e, 0x82}}
	fwpmLayerALEAuthRecvAcceptV4 = windows.GUID{Data1: 0xe1cd9fe7, Data2: 0xf4b5, Data3: 0x4273, Data4: [8]byte{0x96, 0xc0, 0x59, 0x2e, 0x48, 0x7b, 0x86, 0x50}}
	fwpmLayerALEAuthConnectV6    = windows.GUID{Data1: 0x4a72393b, Data2: 0x319f, Data3: 0x44bc, Data4: [8]byte{0x84, 0xc3, 0xba, 0x54, 0xdc, 0xb3, 0xb6, 0xb4}}
	fwpmLayerALEAuthRecvAcceptV6 = windows.GUID{Data1: 0xa3b42c97, Data2: 0x9f04, Data3: 0x4672, Data4: [8]byte{0xb8, 0x7e, 0xce, 0xe9, 0xc4, 0x83, 0x25, 0x7f}}

	fwpmConditionIPLocalInterface = windows.GUID{Data1: 0x4cd62a49, Data2: 0x59c3, Data3: 0x4969, Data4: [8]byte{0xb7, 0xf3, 0xbd, 0xa5, 0xd3, 0x28, 0x90, 0xa4}}
	fwpmConditionIPRemoteAddress  = windows.GUID{Data1: 0xb235ae9a, Data2: 0x1d64, Data3: 0x49b8, Data4: [8]byte{0xa4, 0x4c, 0x5f, 0xf3, 0xd9, 0x09, 0x50, 0x45}}
	fwpmConditionIPProtocol       = windows.GUID{Data1: 0x3971ef2b, Data2: 0x623e, Data3: 0x4f9a, Data4: [8]byte{0x8c, 0xb1, 0x6e, 0x79, 0xb8, 0x06, 0xb9, 0xa7}}
	fwpmConditionIPLocalPort      = windows.GUID{Data1: 0x0c1ba1af, Data2: 0x5765, Data3: 0x453f, Data4: [8]byte{0xaf, 0x22, 0xa8, 0xf7, 0x91, 0xac, 0x77, 0x5b}}
	fwpmConditionIPRemotePort     = windows.GUID{Data1: 0xc35a604d, Data2: 0xd22b, Data3: 0x4e1a, Data4: [8]byte{0x91, 0xb4, 0x68, 0xf6, 0x74, 0xee, 0x67, 0x4b}}
	fwpmConditionFlags            = windows.GUID{Data1: 0x632ce23b, Data2: 0x5167, Data3: 0x435c, Data4: [8]byte{0x86, 0xd7, 0xe9, 0x03, 0x68, 0x4a, 0xa8, 0x0c}}
)

// FWPM_DISPLAY_DATA0
type fwpmDisplayData0 struct {
	name        *uint16
	description *uint16
}

// FWP_BYTE_BLOB
type fwpByteBlob struct {
	size uint32
	data *uint8
}

// FWP_VALUE0 and FWP_CONDITION_VALUE0: a type and a pointer-sized union
// holding small integers in place and anything larger by pointer.
type fwpValue0 struct {
	typ   uint32
	value uintptr
}

// FWP_V4_ADDR_AND_MASK: both in host byte order.
type fwpV4AddrAndMask struct {
	addr uint32
	mask uint32
}

// FWP_V6_ADDR_AND_MASK
type fwpV6AddrAndMask struct {
	addr         [16]byte
	prefixLength uint8
}

// FWPM_FILTER_CONDITION0
type fwpmFilterCondition0 struct {
	fieldKey       windows.GUID
	matchType      uint32
	conditionValue fwpValue0
}

// FWPM_ACTION0: 20 bytes, 4-aligned.
type fwpmAction0 struct {
	typ        uint32
	filterType windows.GUID
}

// FWPM_FILTER0. The union after action holds a UINT64, so C aligns it
// to 8: the padding Go would not insert is spelled out.
type fwpmFilter0 struct {
	filterKey           windows.GUID
	displayData         fwpmDisplayData0
	flags               uint32
	providerKey         *windows.GUID
	providerData        fwpByteBlob
	layerKey            windows.GUID
	subLayerKey         windows.GUID
	weight              fwpValue0
	numFilterConditions uint32
	filterCondition     *fwpmFilterCondition0
	action              fwpmAction0
	_                   [4]byte
	providerContextKey  windows.GUID // union { UINT64 rawContext; GUID providerContextKey; }
	reserved            *windows.GUID
	filterID            uint64
	effectiveWeight     fwpValue0
}

// FWPM_SESSION0
type fwpmSession0 struct {
	sessionKey           windows.GUID
	displayData          fwpmDisplayData0
	flags                uint32
	txnWaitTimeoutInMSec uint32
	processID            uint32
	sid                  *windows.SID
	username             *uint16
	kernelMode           int32 // BOOL
}

// FWPM_SUBLAYER0
type fwpmSublayer0 struct {
	subLayerKey  windows.GUID
	displayData  fwpmDisplayData0
	flags        uint32
	providerKey  *windows.GUID
	providerData fwpByteBlob
	weight       uint16
}

// sysWFP is an open dynamic session.
type sysWFP struct{ engine uintptr }

// wfpCallErr turns a failed call's return code into an error that names
// the call and, where there is one, the cause and the fix.
func wfpCallErr(op string, r uintptr) error {
	code := uint32(r)
	err := fmt.Errorf("%s: %w", op, windows.Errno(code))
	if hint := wfpHint(code); hint != "" {
		err = fmt.Errorf("%w (%s)", err, hint)
	}
	if windows.Handle(code) == windows.FWP_E_ALREADY_EXISTS {
		err = fmt.Errorf("%w: %w", errWinExists, err)
	}
	return err
}

func wfpCall(op string, p *windows.LazyProc, args ...uintptr) error {
	if err := p.Find(); err != nil {
		return fmt.Errorf("%s: %w (fwpuclnt.dll missing: is this Windows Vista or later?)", op, err)
	}
	r, _, _ := p.Call(args...)
	if r != 0 {
		return wfpCallErr(op, r)
	}
	return nil
}

func (systemWinOps) OpenWFP(name string) (wfpSession, error) {
	n, err := windows.UTF16PtrFromString(name)
	if err != nil {
		return nil, err
	}
	session := &fwpmSession0{
		displayData:          fwpmDisplayData0{name: n, description: n},
		flags:                fwpmSessionFlagDynamic,
		txnWaitTimeoutInMSec: wfpTxnWaitMillis,
	}
	var engine uintptr
	err = wfpCall("FwpmEngineOpen0", procFwpmEngineOpen0, 0, rpcCAuthnWinNT, 0,
		uintptr(unsafe.Pointer(session)), uintptr(unsafe.Pointer(&engine)))
	runtime.KeepAlive(session)
	if err != nil {
		return nil, err
	}
	return &sysWFP{engine: engine}, nil
}

func (s *sysWFP) Begin() error {
	return wfpCall("FwpmTransactionBegin0", procFwpmTransactionBegin0, s.engine, 0)
}

func (s *sysWFP) Commit() error {
	return wfpCall("FwpmTransactionCommit0", procFwpmTransactionCommit0, s.engine)
}

func (s *sysWFP) Abort() error {
	return wfpCall("FwpmTransactionAbort0", procFwpmTransactionAbort0, s.engine)
}

// Close ends the session, and with it, being dynamic, every filter it
// added.
func (s *sysWFP) Close() error {
	if s.engine == 0 {
		return nil
	}
	err := wfpCall("FwpmEngineClose0", procFwpmEngineClose0, s.engine)
	s.engine = 0
	return err
}

func (s *sysWFP) AddSublayer(l wfpSublayer) error {
	key, err := windows.GUIDFromString(l.Key)
	if err != nil {
		return fmt.Errorf("sublayer key %s: %w", l.Key, err)
	}
	n, err := windows.UTF16PtrFromString(l.Name)
	if err != nil {
		return err
	}
	sl := &fwpmSublayer0{subLayerKey: key, displayData: fwpmDisplayData0{name: n, description: n}, weight: l.Weight}
	err = wfpCall("FwpmSubLayerAdd0", procFwpmSubLayerAdd0, s.engine, uintptr(unsafe.Pointer(sl)), 0)
	runtime.KeepAlive(sl)
	return err
}

func (s *sysWFP) AddFilter(f wfpFilter) error {
	var keep []any
	raw, err := rawFilter(f, &keep)
	if err != nil {
		return err
	}
	var id uint64
	err = wfpCall("FwpmFilterAdd0", procFwpmFilterAdd0, s.engine, uintptr(unsafe.Pointer(raw)), 0, uintptr(unsafe.Pointer(&id)))
	runtime.KeepAlive(raw)
	runtime.KeepAlive(keep)
	return err
}

var errWFPCondition = errors.New("condition WFP cannot express")

// rawFilter builds the FWPM_FILTER0 of f. The condition values that the
// structure holds as uintptr, which the garbage collector does not follow,
// are appended to keep: the caller keeps that alive until the call
// returns.
func rawFilter(f wfpFilter, keep *[]any) (*fwpmFilter0, error) {
	layer, ok := map[wfpLayer]windows.GUID{
		wfpConnect4: fwpmLayerALEAuthConnectV4, wfpAccept4: fwpmLayerALEAuthRecvAcceptV4,
		wfpConnect6: fwpmLayerALEAuthConnectV6, wfpAccept6: fwpmLayerALEAuthRecvAcceptV6,
	}[f.Layer]
	if !ok {
		return nil, fmt.Errorf("filter %q: unknown layer %d", f.Name, f.Layer)
	}
	sublayer, err := windows.GUIDFromString(wfpSublayerKey)
	if err != nil {
		return nil, err
	}
	name, err := windows.UTF16PtrFromString(f.Name)
	if err != nil {
		return nil, err
	}
	raw := &fwpmFilter0{
		displayData: fwpmDisplayData0{name: name, description: name},
		layerKey:    layer,
		subLayerKey: sublayer,
		weight:      fwpValue0{typ: fwpUint8, value: uintptr(f.Weight)},
		action:      fwpmAction0{typ: fwpActionPermit},
	}
	if f.Block {
		raw.action.typ = fwpActionBlock
	}
	if len(f.Conds) > 0 {
		conds := make([]fwpmFilterCondition0, len(f.Conds))
		for i, c := range f.Conds {
			if conds[i], err = rawCondition(c, keep); err != nil {
				return nil, fmt.Errorf("filter %q: %w", f.Name, err)
			}
		}
		raw.numFilterConditions = uint32(len(conds))
		raw.filterCondition = &conds[0]
	}
	return raw, nil
}

func rawCondition(c wfpCond, keep *[]any) (fwpmFilterCondition0, error) {
	rc := fwpmFilterCondition0{matchType: fwpMatchEqual}
	switch c.Field {
	case wfpLocalInterface:
		luid := new(uint64)
		*luid = c.Value
		*keep = append(*keep, luid)
		rc.fieldKey = fwpmConditionIPLocalInterface
		rc.conditionValue = fwpValue0{typ: fwpUint64, value: uintptr(unsafe.Pointer(luid))}
	case wfpRemoteAddr:
		rc.fieldKey = fwpmConditionIPRemoteAddress
		p := c.Prefix.Masked()
		switch {
		case p.Addr().Is4():
			a := p.Addr().As4()
			m := &fwpV4AddrAndMask{addr: binary.BigEndian.Uint32(a[:]), mask: ^uint32(0) << (32 - p.Bits())}
			if p.Bits() == 0 {
				m.mask = 0
			}
			*keep = append(*keep, m)
			rc.conditionValue = fwpValue0{typ: fwpV4AddrMask, value: uintptr(unsafe.Pointer(m))}
		case p.Addr().Is6():
			m := &fwpV6AddrAndMask{addr: p.Addr().As16(), prefixLength: uint8(p.Bits())}
			*keep = append(*keep, m)
			rc.conditionValue = fwpValue0{typ: fwpV6AddrMask, value: uintptr(unsafe.Pointer(m))}
		default:
			return rc, fmt.Errorf("remote address %v: %w", c.Prefix, errWFPCondition)
		}
	case wfpProtocol:
		rc.fieldKey = fwpmConditionIPProtocol
		rc.conditionValue = fwpValue0{typ: fwpUint8, value: uintptr(uint8(c.Value))}
	case wfpLocalPort, wfpICMPType: // at ICMP the local port field holds the type
		rc.fieldKey = fwpmConditionIPLocalPort
		rc.conditionValue = fwpValue0{typ: fwpUint16, value: uintptr(uint16(c.Value))}
	case wfpRemotePort:
		rc.fieldKey = fwpmConditionIPRemotePort
		rc.conditionValue = fwpValue0{typ: fwpUint16, value: uintptr(uint16(c.Value))}
	case wfpLoopback:
		rc.fieldKey = fwpmConditionFlags
		rc.matchType = fwpMatchAllSet
		rc.conditionValue = fwpValue0{typ: fwpUint32, value: fwpConditionFlagIsLoopback}
	default:
		return rc, fmt.Errorf("field %d: %w", c.Field, errWFPCondition)
	}
	return rc, nil
}
