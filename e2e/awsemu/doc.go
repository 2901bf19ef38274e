// Package awsemu is an AWS Client VPN endpoint emulator for cvpn's
// end-to-end tests: the server side of an OpenVPN control channel that
// reads the client's key-method 2 in AWS's framing (a little-endian u32
// total length, then u32 big-endian string lengths) and signs users in the
// way a federated (SAML) endpoint does:
//
//	phase 1  user N/A, password ACS::35001
//	         → AUTH_FAILED,CRV1:R:instance-<random>:<b64 "N/A">:<IdP URL>
//	         (the URL is a SAML AuthnRequest to the IdP, HTTP-Redirect binding,
//	          asking for an HTTP-POST answer to http://127.0.0.1:35001/)
//	phase 2  a new session from the same address,
//	         password CRV1::instance-<random>::<SAMLResponse>
//	         → the response is verified with crewjam/saml's ServiceProvider
//	           against the IdP's metadata (signature, audience, destination,
//	           InResponseTo the phase-1 request, single use); then
//	           PUSH_REPLY with an address, and data flows
//
// A state id and an assertion each work once; anything else gets
// AUTH_FAILED. Data packets go to a packet device (a TUN device in the
// server's network namespace, so ping works through the tunnel) or, without
// one, are echoed back. Config.SessionLimit pushes session-timeout and ends
// the session on the server's side too, to test signing in again.
//
// It is built from the engine's exported pieces playing the server role
// (packet, reliable, keymethod2, keys, datachannel, push) and is test
// infrastructure only: never import it from product code.
package awsemu
