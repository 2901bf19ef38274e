package service

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/cvpn/cvpn/service/api"
)

// FuzzDecodeRequest feeds arbitrary bodies to the API's request decoding,
// for each request body the API reads, under a body limit the fuzzer also
// picks. Whatever it gets, decoding must not panic; what it accepts must
// be exactly one valid JSON value within the limit, and must survive a
// round trip unchanged.
func FuzzDecodeRequest(f *testing.F) {
	for _, seed := range []string{
		`{"name":"corp","profile":"client\nremote vpn.example.com 443\n"}`,
		`{"name":"corp","profile":"x","device":"tun3","no_key_export":true,"enforce_routes":true,"web_auth":true}`,
		`{"name":"corp"}`,
		`{"id":"0123","username":"alice","password":"p\u00e4ss","response":"PHNhbWxw"}`,
		`{"name":"corp"} garbage`,
		`{"name":"a"}{"name":"b"}`,
		"{\"name\":\"a\"}\n\t ",
		`{"name":"\ud800"}`,
		`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[`,
		`{"name":1e999}`,
		`{"profile":"` + string(bytes.Repeat([]byte(`<\"&`), 64)) + `"}`,
		`null`,
		``,
	} {
		f.Add([]byte(seed), uint16(0))
		f.Add([]byte(seed), uint16(16))
	}
	f.Fuzz(func(t *testing.T, data []byte, limit uint16) {
		max := int64(limit)
		if max == 0 {
			max = maxConnectBody
		}
		for _, newBody := range []func() any{
			func() any { return new(api.ConnectBody) },
			func() any { return new(api.DisconnectBody) },
			func() any { return new(api.AnswerBody) },
		} {
			v := newBody()
			r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(data))
			err := decodeBody(httptest.NewRecorder(), r, v, max)
			if err != nil {
				if int64(len(data)) <= max && errors.As(err, new(*http.MaxBytesError)) {
					t.Fatalf("a %d-byte body refused as over the %d-byte limit", len(data), max)
				}
				continue
			}
			if int64(len(data)) > max {
				t.Fatalf("a %d-byte body accepted under a %d-byte limit", len(data), max)
			}
			if !json.Valid(data) {
				t.Fatalf("accepted a body that is not one JSON value: %q", data)
			}
			again, err := json.Marshal(v)
			if err != nil {
				t.Fatalf("re-encode %T: %v", v, err)
			}
			w := newBody()
			if err := decodeJSON(bytes.NewReader(again), w); err != nil {
				t.Fatalf("decode its own encoding %s: %v", again, err)
			}
			if !reflect.DeepEqual(v, w) {
				t.Fatalf("round trip changed %#v into %#v", v, w)
			}
		}
	})
}
