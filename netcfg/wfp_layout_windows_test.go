//go:build windows && (amd64 || arm64)

package netcfg

import (
	"testing"
	"unsafe"
)

// TestWFPLayout checks the hand-written WFP structures against the sizes
// and offsets the Windows SDK gives them on 64-bit Windows (computed from
// fwptypes.h and fwpmtypes.h by the C layout rules: natural alignment,
// 8-byte pointers). It only runs on Windows; elsewhere it is compiled
// (GOOS=windows go vet) but never run.
func TestWFPLayout(t *testing.T) {
	var f fwpmFilter0
	var s fwpmSession0
	var l fwpmSublayer0
	var c fwpmFilterCondition0
	var b fwpByteBlob
	tests := []struct {
		what      string
		got, want uintptr
	}{
		{"sizeof FWPM_DISPLAY_DATA0", unsafe.Sizeof(fwpmDisplayData0{}), 16},
		{"sizeof FWP_BYTE_BLOB", unsafe.Sizeof(b), 16},
		{"FWP_BYTE_BLOB.data", unsafe.Offsetof(b.data), 8},
		{"sizeof FWP_VALUE0", unsafe.Sizeof(fwpValue0{}), 16},
		{"sizeof FWP_V4_ADDR_AND_MASK", unsafe.Sizeof(fwpV4AddrAndMask{}), 8},
		{"sizeof FWP_V6_ADDR_AND_MASK", unsafe.Sizeof(fwpV6AddrAndMask{}), 17},
		{"sizeof FWPM_ACTION0", unsafe.Sizeof(fwpmAction0{}), 20},
		{"sizeof FWPM_FILTER_CONDITION0", unsafe.Sizeof(c), 40},
		{"FWPM_FILTER_CONDITION0.matchType", unsafe.Offsetof(c.matchType), 16},
		{"FWPM_FILTER_CONDITION0.conditionValue", unsafe.Offsetof(c.conditionValue), 24},
		{"sizeof FWPM_FILTER0", unsafe.Sizeof(f), 200},
		{"FWPM_FILTER0.displayData", unsafe.Offsetof(f.displayData), 16},
		{"FWPM_FILTER0.flags", unsafe.Offsetof(f.flags), 32},
		{"FWPM_FILTER0.providerKey", unsafe.Offsetof(f.providerKey), 40},
		{"FWPM_FILTER0.providerData", unsafe.Offsetof(f.providerData), 48},
		{"FWPM_FILTER0.layerKey", unsafe.Offsetof(f.layerKey), 64},
		{"FWPM_FILTER0.subLayerKey", unsafe.Offsetof(f.subLayerKey), 80},
		{"FWPM_FILTER0.weight", unsafe.Offsetof(f.weight), 96},
		{"FWPM_FILTER0.numFilterConditions", unsafe.Offsetof(f.numFilterConditions), 112},
		{"FWPM_FILTER0.filterCondition", unsafe.Offsetof(f.filterCondition), 120},
		{"FWPM_FILTER0.action", unsafe.Offsetof(f.action), 128},
		{"FWPM_FILTER0.providerContextKey", unsafe.Offsetof(f.providerContextKey), 152},
		{"FWPM_FILTER0.reserved", unsafe.Offsetof(f.reserved), 168},
		{"FWPM_FILTER0.filterId", unsafe.Offsetof(f.filterID), 176},
		{"FWPM_FILTER0.effectiveWeight", unsafe.Offsetof(f.effectiveWeight), 184},
		{"sizeof FWPM_SESSION0", unsafe.Sizeof(s), 72},
		{"FWPM_SESSION0.flags", unsafe.Offsetof(s.flags), 32},
		{"FWPM_SESSION0.txnWaitTimeoutInMSec", unsafe.Offsetof(s.txnWaitTimeoutInMSec), 36},
		{"FWPM_SESSION0.processId", unsafe.Offsetof(s.processID), 40},
		{"FWPM_SESSION0.sid", unsafe.Offsetof(s.sid), 48},
		{"FWPM_SESSION0.username", unsafe.Offsetof(s.username), 56},
		{"FWPM_SESSION0.kernelMode", unsafe.Offsetof(s.kernelMode), 64},
		{"sizeof FWPM_SUBLAYER0", unsafe.Sizeof(l), 72},
		{"FWPM_SUBLAYER0.flags", unsafe.Offsetof(l.flags), 32},
		{"FWPM_SUBLAYER0.providerKey", unsafe.Offsetof(l.providerKey), 40},
		{"FWPM_SUBLAYER0.providerData", unsafe.Offsetof(l.providerData), 48},
		{"FWPM_SUBLAYER0.weight", unsafe.Offsetof(l.weight), 64},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %d, the SDK's is %d", tt.what, tt.got, tt.want)
		}
	}
}

// TestWFPRawFilter: a filter's conditions reach the raw structure in
// order, with the value forms WFP expects.
func TestWFPRawFilter(t *testing.T) {
	var keep []any
	raw, err := rawFilter(wfpFilter{Name: "t", Layer: wfpConnect4, Weight: 13, Conds: []wfpCond{
		{Field: wfpRemoteAddr, Prefix: pfx("192.0.2.0/24")}, {Field: wfpRemotePort, Value: 53}}}, &keep)
	if err != nil {
		t.Fatal(err)
	}
	conds := unsafe.Slice(raw.filterCondition, raw.numFilterConditions)
	m, ok := keep[0].(*fwpV4AddrAndMask)
	if !ok || uintptr(unsafe.Pointer(m)) != conds[0].conditionValue.value {
		t.Fatalf("address condition does not point at the kept value: %+v", conds[0].conditionValue)
	}
	if conds[0].conditionValue.typ != fwpV4AddrMask || m.addr != 0xc0000200 || m.mask != 0xffffff00 {
		t.Errorf("address condition %+v %#x/%#x", conds[0].conditionValue, m.addr, m.mask)
	}
	if conds[1].conditionValue.typ != fwpUint16 || conds[1].conditionValue.value != 53 || raw.weight.value != 13 {
		t.Errorf("port condition %+v, weight %+v", conds[1].conditionValue, raw.weight)
	}
}
