package saml

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime/multipart"
	"net/url"
	"strings"
	"testing"
)

// sampleAssertion is a stand-in SAML response, as the provider sends it.
var sampleXML = []byte(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_1"><saml:Assertion/></samlp:Response>`)

var sampleAssertion = base64.StdEncoding.EncodeToString(sampleXML)

func formBody(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v.Encode()
}

func multipartBody(t testing.TB, kv ...string) (string, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for i := 0; i+1 < len(kv); i += 2 {
		if err := w.WriteField(kv[i], kv[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType(), b.String()
}

func wrap76(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	b.WriteString(s)
	return b.String()
}

func TestAssertionFromBody(t *testing.T) {
	const urlencoded = "application/x-www-form-urlencoded"
	mpType, mpBody := multipartBody(t, "RelayState", "abc", FieldName, sampleAssertion)
	mpTypeNo, mpBodyNo := multipartBody(t, "RelayState", "abc")
	long := base64.StdEncoding.EncodeToString(bytes.Repeat(sampleXML, 200))
	tests := []struct {
		name, contentType, body string
		want                    string
		err                     error
	}{
		{"plain", urlencoded, formBody(FieldName, sampleAssertion, "RelayState", "x"), sampleAssertion, nil},
		{"charset parameter", urlencoded + "; charset=UTF-8", formBody(FieldName, sampleAssertion), sampleAssertion, nil},
		{"no content type", "", formBody(FieldName, sampleAssertion), sampleAssertion, nil},
		{"line-wrapped base64", urlencoded, formBody(FieldName, wrap76(long)), long, nil},
		{"url alphabet unpadded", urlencoded, formBody(FieldName, base64.RawURLEncoding.EncodeToString(sampleXML)), sampleAssertion, nil},
		{"unpadded", urlencoded, formBody(FieldName, base64.RawStdEncoding.EncodeToString(sampleXML)), sampleAssertion, nil},
		{"first of two", urlencoded, formBody(FieldName, sampleAssertion, FieldName, "eA=="), sampleAssertion, nil},
		{"junk pair next to it", urlencoded, "a=%zz&" + formBody(FieldName, sampleAssertion), sampleAssertion, nil},
		{"multipart", mpType, mpBody, sampleAssertion, nil},
		{"missing", urlencoded, formBody("RelayState", "x"), "", errNoField},
		{"missing in malformed form", urlencoded, "a=%zz", "", errNoField},
		{"missing in multipart", mpTypeNo, mpBodyNo, "", errNoField},
		{"multipart without boundary", "multipart/form-data", mpBody, "", errContentType},
		{"empty", urlencoded, formBody(FieldName, ""), "", errEmptyField},
		{"only white space", urlencoded, formBody(FieldName, " \r\n"), "", errEmptyField},
		{"not base64", urlencoded, formBody(FieldName, "<xml>not encoded</xml>"), "", errNotBase64},
		{"json", "application/json", `{"SAMLResponse":"x"}`, "", errContentType},
		{"bad media type", "text/;;", formBody(FieldName, sampleAssertion), "", errContentType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := assertionFromBody(tt.contentType, strings.NewReader(tt.body))
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if got != tt.want {
				t.Fatalf("got %d bytes %.40q…, want %d bytes %.40q…", len(got), got, len(tt.want), tt.want)
			}
		})
	}
}

// TestAssertionFromBodySizes: 1 MiB passes, more than MaxBody is refused
// without reading it all.
func TestAssertionFromBodySizes(t *testing.T) {
	big := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("x"), 3<<20/4)) // ≈1 MiB of base64
	got, err := assertionFromBody("application/x-www-form-urlencoded", strings.NewReader(formBody(FieldName, big)))
	if err != nil || got != big {
		t.Fatalf("1 MiB assertion: err = %v, same = %v", err, got == big)
	}
	huge := io.MultiReader(strings.NewReader(FieldName+"="), &endless{})
	if _, err := assertionFromBody("application/x-www-form-urlencoded", huge); !errors.Is(err, errTooLarge) {
		t.Fatalf("endless body: err = %v, want errTooLarge", err)
	}
	mpType, _ := multipartBody(t)
	boundary := strings.TrimPrefix(mpType, "multipart/form-data; boundary=")
	mp := io.MultiReader(strings.NewReader("--"+boundary+"\r\nContent-Disposition: form-data; name=\"SAMLResponse\"\r\n\r\n"), &endless{})
	if _, err := assertionFromBody(mpType, mp); !errors.Is(err, errTooLarge) {
		t.Fatalf("endless multipart: err = %v, want errTooLarge", err)
	}
}

// endless yields 'A's forever, counting them.
type endless struct{ n int }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'A'
	}
	e.n += len(p)
	return len(p), nil
}

func FuzzAssertionFromBody(f *testing.F) {
	mpType, mpBody := multipartBody(f, FieldName, sampleAssertion)
	f.Add("application/x-www-form-urlencoded", []byte(formBody(FieldName, sampleAssertion)))
	f.Add("application/x-www-form-urlencoded", []byte(formBody(FieldName, wrap76(sampleAssertion))))
	f.Add("application/x-www-form-urlencoded", []byte("SAMLResponse=%zz&SAMLResponse=eA"))
	f.Add("", []byte("SAMLResponse=-_-_"))
	f.Add(mpType, []byte(mpBody))
	f.Add("multipart/form-data; boundary=x", []byte("--x\r\nContent-Disposition: form-data; name=\"SAMLResponse\"\r\n\r\neA==\r\n--x--\r\n"))
	f.Add("text/plain", []byte("x"))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		got, err := assertionFromBody(contentType, bytes.NewReader(body))
		if err != nil {
			if got != "" {
				t.Fatalf("error %v with a result", err)
			}
			return
		}
		b, derr := base64.StdEncoding.DecodeString(got)
		if derr != nil || len(b) == 0 {
			t.Fatalf("result %q is not non-empty standard base64: %v", got, derr)
		}
		if len(got) > 2*len(body)+4 {
			t.Fatalf("result of %d bytes from a body of %d", len(got), len(body))
		}
	})
}
