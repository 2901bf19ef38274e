// Package api is the contract of the cvpn service's local API: the paths,
// the request and response bodies, the events and their typed prompts,
// states and reason codes. The service and its client both import it, and
// it imports nothing but the standard library, so that linking the client
// (the CLI, the GUI) never links the engine, netlink or the tunnel manager.
//
// The wire format is JSON over HTTP on the service's socket or pipe.
// Adding fields is compatible; renaming or removing one needs /v2.
package api
