// Package saml owns browser sign-in for the user's side of cvpn: parsing CRV1
// and web-auth challenges, the 127.0.0.1:35001 listener that receives the AWS
// SAML response, and opening the user's browser. It never runs inside the
// privileged service.
package saml
