package tunnel

// StatePath exposes where a tunnel's crash-recovery record lives.
func (m *Manager) StatePath(name string) string { return m.statePath(name) }
