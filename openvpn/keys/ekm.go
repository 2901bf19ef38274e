package keys

import (
	"crypto/tls"
	"errors"
	"fmt"
)

// ExporterLabel is the RFC 5705 label OpenVPN 2.6 exports the data-channel
// key block with (ssl_backend.h: EXPORT_KEY_DATA_LABEL). No context is used.
const ExporterLabel = "EXPORTER-OpenVPN-datakeys"

// ErrEKMUnavailable means the TLS session cannot export keying material. Go
// refuses on TLS 1.2 without Extended Master Secret (and whenever TLS
// renegotiation is enabled); the client must then not have set
// IV_PROTO_TLS_KEY_EXPORT, and uses DerivePRF instead.
var ErrEKMUnavailable = errors.New("tls keying material export unavailable")

// Exporter has the signature of tls.ConnectionState.ExportKeyingMaterial.
type Exporter func(label string, context []byte, length int) ([]byte, error)

// FromExporter computes the key block by TLS keying-material export
// (ssl.c:generate_key_expansion_tls_export): ExporterLabel, no context, 256
// bytes. Passing nil context matters: RFC 5705 distinguishes "no context"
// from an empty one, and OpenVPN uses no context (use_context = 0).
func FromExporter(export Exporter) (Material, error) {
	if export == nil {
		return Material{}, fmt.Errorf("export data-channel keys: %w", ErrEKMUnavailable)
	}
	out, err := export(ExporterLabel, nil, MaterialSize)
	if err != nil {
		return Material{}, fmt.Errorf("export data-channel keys: %w: %w", ErrEKMUnavailable, err)
	}
	if len(out) != MaterialSize {
		clear(out)
		return Material{}, fmt.Errorf("export data-channel keys: exporter returned %d bytes, want %d", len(out), MaterialSize)
	}
	var m Material
	copy(m[:], out)
	clear(out)
	return m, nil
}

// EKMAvailable reports whether cs can export keying material, by trying it.
// The key-method-2 message (which carries IV_PROTO) is written after the TLS
// handshake, so the client can probe first and announce
// IV_PROTO_TLS_KEY_EXPORT only when the export works; announcing it without
// working EKM would make the server switch to keys the client cannot compute.
func EKMAvailable(cs tls.ConnectionState) (ok bool) {
	if !cs.HandshakeComplete {
		return false
	}
	// A ConnectionState built by hand (not by crypto/tls) has no exporter
	// behind it and ExportKeyingMaterial would panic.
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	out, err := cs.ExportKeyingMaterial(ExporterLabel, nil, MaterialSize)
	clear(out)
	return err == nil && len(out) == MaterialSize
}
