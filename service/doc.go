// Package service owns the privileged daemon: the tunnel manager, the local
// HTTP+JSON API over a unix socket or named pipe, the peer-credential checks
// and the one-user guard. Only its own client package talks to it.
//
// The API's contract is package service/api. The tunnel manager knows
// nothing of it: its events and statuses are converted here (events.go),
// the errors behind them classified into api reason codes in one table
// (reasons.go), and the engine's prompts described for the user's side
// (prompts.go), which answers them through usersession.
package service
