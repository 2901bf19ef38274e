package saml

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"strings"
)

// MaxBody caps the body of the identity provider's post. AWS allows a SAML
// response of at most 128 KB; base64 and form escaping grow it by about
// half, so 4 MiB leaves room for providers that sign generously.
const MaxBody = 4 << 20

// FieldName is the form field that carries the assertion (SAML 2.0
// HTTP-POST binding).
const FieldName = "SAMLResponse"

// Reasons a post is refused. They name the problem, never the content.
var (
	errNoField     = errors.New("the post has no " + FieldName + " form field")
	errEmptyField  = errors.New("the " + FieldName + " form field is empty")
	errNotBase64   = errors.New("the " + FieldName + " form field is not base64")
	errTooLarge    = fmt.Errorf("the post is larger than %d MiB", MaxBody>>20)
	errContentType = errors.New("the post is not a form (want application/x-www-form-urlencoded or multipart/form-data)")
)

// assertionFromBody reads the SAMLResponse out of a form body of the given
// Content-Type, reading at most MaxBody bytes (more is errTooLarge). The
// result is normalised to padded standard base64 without white space:
// some providers wrap the base64 in lines or use the URL alphabet, and the
// server wants it plain.
func assertionFromBody(contentType string, body io.Reader) (string, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil && contentType != "" {
		return "", errContentType
	}
	lr := &io.LimitedReader{R: body, N: MaxBody + 1}
	var values []string
	switch mt {
	case "application/x-www-form-urlencoded", "":
		// A form post without a Content-Type is read as urlencoded, as
		// net/http does.
		b, err := io.ReadAll(lr)
		if err != nil {
			return "", fmt.Errorf("read the post: %w", err)
		}
		if len(b) > MaxBody {
			return "", errTooLarge
		}
		// ParseQuery keeps going past a bad pair and returns the first
		// error; a good SAMLResponse next to junk is still good.
		q, qerr := url.ParseQuery(string(b))
		values = q[FieldName]
		if len(values) == 0 && qerr != nil {
			return "", fmt.Errorf("%w (the form is malformed)", errNoField)
		}
	case "multipart/form-data":
		boundary := params["boundary"]
		if boundary == "" {
			return "", errContentType
		}
		form, err := multipart.NewReader(lr, boundary).ReadForm(MaxBody)
		if lr.N <= 0 {
			return "", errTooLarge
		}
		if err != nil {
			return "", fmt.Errorf("%w (the multipart form is malformed)", errNoField)
		}
		values = form.Value[FieldName]
		_ = form.RemoveAll()
	default:
		return "", errContentType
	}
	if len(values) == 0 {
		return "", errNoField
	}
	return normalizeAssertion(values[0])
}

// normalizeAssertion strips white space and re-encodes in padded standard
// base64, accepting the URL alphabet and missing padding.
func normalizeAssertion(v string) (string, error) {
	v = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, v)
	if v == "" {
		return "", errEmptyField
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(v); err == nil {
			if len(b) == 0 {
				return "", errEmptyField
			}
			return base64.StdEncoding.EncodeToString(b), nil
		}
	}
	return "", errNotBase64
}
