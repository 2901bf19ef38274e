// Package viewmodel is the state behind cvpn's desktop app — the profile
// list and details, the one primary action, the tray summary, the last
// error with its fix, the sign-in dialogs and the settings — kept apart
// from Fyne so that all of it is tested without a window, and so that the
// views stay thin: they draw a View and call the Model's methods.
//
// The Model reaches the service and the profiles only through Backend,
// whose real implementation (Service) drives service/client, usersession
// and profile.Store; it never re-implements the sign-in or keyring policy
// of usersession, it only is the usersession.Asker that shows dialogs.
package viewmodel
