// Package saml is the user's side of a browser sign-in (AWS Client VPN's
// federated, SAML profiles): it listens on 127.0.0.1:35001 for the SAML
// response the identity provider makes the browser post there, opens the
// user's browser at the provider's page, and hands the SAMLResponse back to
// the caller, which answers the engine's CRV1 challenge with it.
//
// The flow (openvpn-wire-notes §4.3):
//
//	engine: AUTH_FAILED,CRV1:R:<state>:<user>:<IdP URL>   (parsed by openvpn/push)
//	   └─▶ Prompt{Kind: PromptChallenge, Challenge.Text: IdP URL}
//	          └─▶ SignIn: Listen(127.0.0.1:35001) ─▶ OpenBrowser(URL) ─▶ Wait
//	                browser ── POST / SAMLResponse=… ──▶ listener ─▶ "done" page
//	   ◀── Answer{Response: SAMLResponse} ── phase 2 on the pinned address
//
// The listener binds before the browser opens, so the post cannot race it,
// and it stops listening as soon as one usable response arrived. It answers
// only loopback peers, and a Host of 127.0.0.1 or localhost (a DNS
// rebinding page gets 403).
//
// The SAML response is a bearer credential: it is never logged and never
// put into an error. CRV1 parsing itself lives in openvpn/push; CheckURL
// tells a challenge whose text is a page to open from one that is a
// question to type an answer to.
//
// This package runs in the user's session, never inside the privileged
// service: the browser and the desktop belong to the user.
package saml
