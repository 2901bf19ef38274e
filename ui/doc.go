// Package ui owns the Fyne views and their view-models, the tray and
// notifications. It talks to nothing but the service's client package.
package ui
