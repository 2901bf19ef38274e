package keymethod2

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// StaticChallengePassword encodes a password and the answer to a profile's
// "static-challenge" as the password field
// (doc/management-notes.txt, "Static protocol"):
//
//	SCRV1:<base64 password>:<base64 response>
//
// Both parts are standard base64 with padding; either may be empty. The
// result is a secret.
func StaticChallengePassword(password, response string) string {
	enc := base64.StdEncoding
	return "SCRV1:" + enc.EncodeToString([]byte(password)) + ":" + enc.EncodeToString([]byte(response))
}

// DynamicChallengePassword encodes the answer to a CRV1 dynamic challenge
// (an "AUTH_FAILED,CRV1:…" from the server) as the password field of the
// next connection attempt (doc/management-notes.txt, "Dynamic protocol"):
//
//	CRV1::<state_id>::<response>
//
// The username to send with it is the one the challenge carried. The state
// id may not contain ':'; the response is sent as given (empty when the
// challenge did not set the R flag; AWS SAML sends the SAMLResponse form
// value here). The result is a secret, and errors never quote it.
func DynamicChallengePassword(stateID, response string) (string, error) {
	const op = "encode crv1 response"
	if stateID == "" {
		return "", fmt.Errorf("%s: empty state id: %w", op, ErrInvalid)
	}
	if strings.ContainsAny(stateID, ":\x00") {
		return "", fmt.Errorf("%s: state id contains ':' or NUL: %w", op, ErrInvalid)
	}
	if strings.IndexByte(response, 0) >= 0 {
		return "", fmt.Errorf("%s: response contains a NUL byte: %w", op, ErrInvalid)
	}
	return "CRV1::" + stateID + "::" + response, nil
}
