package profile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
)

// Sentinel errors of the store; callers pick messages and exit codes by them.
var (
	ErrNotFound = errors.New("profile not found")
	ErrExists   = errors.New("a profile with that name already exists")
	ErrReadOnly = errors.New("profile is managed by your administrator and cannot be changed")
	ErrBadName  = errors.New("invalid profile name")
)

const (
	ext      = ".ovpn"
	dirMode  = 0o700 // profiles hold private keys and maybe passwords
	fileMode = 0o600
)

// Store keeps the user's profiles, each one self-contained .ovpn file, next
// to a read-only directory of profiles an administrator preconfigured.
// Managed profiles win a name clash and cannot be removed or replaced.
type Store struct {
	userDir    string
	managedDir string
	// extraDirs are parents of userDir that the store created and keeps
	// private too (the cvpn configuration directory).
	extraDirs []string
	// guard is asked before every change (guard.go); nil allows all.
	guard Guard
}

// Entry describes one stored profile.
type Entry struct {
	Name    string          `json:"name"`
	Managed bool            `json:"managed"`
	Path    string          `json:"path"`
	Remotes []RemoteSummary `json:"remotes,omitempty"`
	Auth    AuthMode        `json:"auth"`
	// AuthMethods lists every way the profile signs in (Summary.AuthMethods).
	AuthMethods []string `json:"auth_methods,omitempty"`
	// Problem is set when a stored profile no longer parses (a managed
	// profile an administrator edited, say); it cannot be used until fixed.
	Problem string `json:"problem,omitempty"`
	// Warnings are the profile's warnings; after Import they carry the line
	// numbers of the imported file, which is what the user edits.
	Warnings []Warning `json:"warnings,omitempty"`
}

// NewStore returns a store over the given directories; either may be "".
// Nothing is created until a profile is imported.
func NewStore(userDir, managedDir string) *Store {
	return &Store{userDir: userDir, managedDir: managedDir}
}

// DefaultStore returns the store at the usual places: the user's profiles in
// os.UserConfigDir()/cvpn/profiles, the managed ones in the system directory
// of this OS (managedDir). CVPN_CONFIG_DIR replaces os.UserConfigDir()/cvpn
// (profiles then live in its "profiles" subdirectory) and CVPN_MANAGED_DIR
// names the managed profiles directory itself; tests and demos use them.
func DefaultStore() (*Store, error) {
	root := os.Getenv("CVPN_CONFIG_DIR")
	if root == "" {
		base, err := os.UserConfigDir()
		if err != nil {
			return nil, fmt.Errorf("find configuration directory: %w", err)
		}
		root = filepath.Join(base, "cvpn")
	}
	s := NewStore(filepath.Join(root, "profiles"), DefaultManagedDir())
	s.extraDirs = []string{root}
	s.guard = PolicyGuard
	return s, nil
}

// UserDir is where imported profiles are kept.
func (s *Store) UserDir() string { return s.userDir }

// ManagedDir is where preconfigured profiles are read from.
func (s *Store) ManagedDir() string { return s.managedDir }

// ImportOption changes how Import behaves.
type ImportOption func(*importConfig)

type importConfig struct {
	overwrite bool
	renaming  bool // part of Rename, which asked the guard itself
}

// Overwrite lets Import replace a user profile of the same name (the CLI's
// --force). Managed profiles are never replaced.
func Overwrite() ImportOption { return func(c *importConfig) { c.overwrite = true } }

// Import validates the profile at path, makes it self-contained and stores
// it under name, or under a name derived from the file name when name is "".
func (s *Store) Import(path, name string, opts ...ImportOption) (Entry, error) {
	if name == "" {
		name = NameFromFile(path)
	}
	if err := ValidName(name); err != nil {
		return Entry{}, fmt.Errorf("import %s: %w", path, err)
	}
	p, err := ParseFile(path)
	if err != nil {
		return Entry{}, err
	}
	return s.store(p, name, opts)
}

// ImportBytes is Import for profile text that has no directory (pasted, or
// received from the GUI); file references in it are errors. srcName names
// it in messages.
func (s *Store) ImportBytes(data []byte, srcName, name string, opts ...ImportOption) (Entry, error) {
	if name == "" {
		name = NameFromFile(srcName)
	}
	if err := ValidName(name); err != nil {
		return Entry{}, fmt.Errorf("import %s: %w", srcName, err)
	}
	p, err := Parse(data, ParseOptions{Name: filepath.Base(srcName)})
	if err != nil {
		return Entry{}, err
	}
	return s.store(p, name, opts)
}

func (s *Store) store(p *Profile, name string, opts []ImportOption) (Entry, error) {
	var cfg importConfig
	for _, o := range opts {
		o(&cfg)
	}
	text := p.Inlined()
	// What is stored must parse on its own; this also catches a profile
	// that only grew too large once its files were inlined.
	stored, err := Parse(text, ParseOptions{Name: name + ext})
	if err != nil {
		return Entry{}, fmt.Errorf("import %s: the self-contained profile is not valid: %w", name, err)
	}
	if m, err := s.find(s.managedDir, name); err != nil {
		return Entry{}, fmt.Errorf("import %s: %w", name, err)
	} else if m != "" {
		return Entry{}, fmt.Errorf("import %s: %w", name, ErrReadOnly)
	}
	if err := s.ensureUserDir(); err != nil {
		return Entry{}, fmt.Errorf("import %s: %w", name, err)
	}
	old, err := s.find(s.userDir, name)
	if err != nil {
		return Entry{}, fmt.Errorf("import %s: %w", name, err)
	}
	if old != "" && !cfg.overwrite {
		return Entry{}, fmt.Errorf("import %s: %w (use another name, or replace it)", name, ErrExists)
	}
	if !cfg.renaming {
		op := OpImport
		if old != "" {
			op = OpEdit // replacing a profile changes it
		}
		if err := s.allow(op); err != nil {
			return Entry{}, fmt.Errorf("import %s: %w", name, err)
		}
	}
	path := filepath.Join(s.userDir, name+ext)
	if err := writeAtomic(path, string(text)); err != nil {
		return Entry{}, fmt.Errorf("import %s: %w", name, err)
	}
	if old != "" && old != name {
		// Same name in another case: the new file replaces it.
		if err := os.Remove(filepath.Join(s.userDir, old+ext)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return Entry{}, fmt.Errorf("import %s: remove old copy: %w", name, err)
		}
	}
	stored.Name = name
	e := entryFor(stored, name, path, false)
	e.Warnings = p.Warnings
	return e, nil
}

func entryFor(p *Profile, name, path string, managed bool) Entry {
	sum := p.Summary()
	return Entry{Name: name, Managed: managed, Path: path, Remotes: sum.Remotes, Auth: sum.Auth, AuthMethods: sum.AuthMethods, Warnings: p.Warnings}
}

// List returns every profile, managed ones first on a name clash (the user
// copy is hidden), sorted by name.
func (s *Store) List() ([]Entry, error) {
	managed, err := s.scan(s.managedDir, true)
	if err != nil {
		return nil, fmt.Errorf("list profiles: %w", err)
	}
	if err := s.fixModes(); err != nil {
		return nil, fmt.Errorf("list profiles: %w", err)
	}
	user, err := s.scan(s.userDir, false)
	if err != nil {
		return nil, fmt.Errorf("list profiles: %w", err)
	}
	out := managed
	for _, u := range user {
		if !hasName(managed, u.Name) {
			out = append(out, u)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := strings.ToLower(out[i].Name), strings.ToLower(out[j].Name)
		if a != b {
			return a < b
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

func hasName(list []Entry, name string) bool {
	for _, e := range list {
		if strings.EqualFold(e.Name, name) {
			return true
		}
	}
	return false
}

// scan reads the profiles of one directory; a missing directory is empty.
func (s *Store) scan(dir string, managed bool) ([]Entry, error) {
	names, err := profileNames(dir)
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, n := range names {
		e := Entry{Name: n, Managed: managed, Path: filepath.Join(dir, n+ext)}
		if p, err := s.load(dir, n, managed); err != nil {
			e.Problem = err.Error()
		} else {
			e = entryFor(p, n, e.Path, managed)
		}
		out = append(out, e)
	}
	return out, nil
}

// profileNames lists the valid profile names in dir. Symlinks and other
// non-regular files are skipped: the store never follows them.
func profileNames(dir string) ([]string, error) {
	if dir == "" {
		return nil, nil
	}
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		n, ok := strings.CutSuffix(e.Name(), ext)
		if ok && e.Type().IsRegular() && ValidName(n) == nil {
			out = append(out, n)
		}
	}
	return out, nil
}

// find returns the stored spelling of name in dir, matching case-insensitively
// so that the store behaves the same on every file system; "" if absent.
func (s *Store) find(dir, name string) (string, error) {
	names, err := profileNames(dir)
	if err != nil {
		return "", err
	}
	for _, n := range names {
		if n == name {
			return n, nil
		}
	}
	for _, n := range names {
		if strings.EqualFold(n, name) {
			return n, nil
		}
	}
	return "", nil
}

// load parses a stored profile. Managed profiles may refer to files next to
// them (an administrator's choice); user profiles are self-contained.
func (s *Store) load(dir, name string, managed bool) (*Profile, error) {
	data, err := readCapped(filepath.Join(dir, name+ext), MaxProfileSize)
	if err != nil {
		return nil, err
	}
	opt := ParseOptions{Name: name + ext}
	if managed {
		opt.Dir = dir
	}
	p, err := Parse(data, opt)
	if err != nil {
		return nil, err
	}
	p.Name = name
	return p, nil
}

// Get returns a stored profile by name, managed first.
func (s *Store) Get(name string) (*Profile, Entry, error) {
	if err := ValidName(name); err != nil {
		return nil, Entry{}, fmt.Errorf("get %q: %w", name, err)
	}
	for _, loc := range []struct {
		dir     string
		managed bool
	}{{s.managedDir, true}, {s.userDir, false}} {
		n, err := s.find(loc.dir, name)
		if err != nil {
			return nil, Entry{}, fmt.Errorf("get %s: %w", name, err)
		}
		if n == "" {
			continue
		}
		if !loc.managed {
			if err := s.fixModes(); err != nil {
				return nil, Entry{}, fmt.Errorf("get %s: %w", name, err)
			}
		}
		p, err := s.load(loc.dir, n, loc.managed)
		if err != nil {
			return nil, Entry{Name: n, Managed: loc.managed}, fmt.Errorf("get %s: %w", n, err)
		}
		return p, entryFor(p, n, filepath.Join(loc.dir, n+ext), loc.managed), nil
	}
	return nil, Entry{}, fmt.Errorf("get %s: %w", name, ErrNotFound)
}

// Remove deletes a user profile. Managed profiles are refused, and so is
// every removal when the guard forbids it.
func (s *Store) Remove(name string) error { return s.remove(name, false) }

// remove is Remove; guarded is true when the caller asked the guard.
func (s *Store) remove(name string, guarded bool) error {
	if err := ValidName(name); err != nil {
		return fmt.Errorf("remove %q: %w", name, err)
	}
	if n, err := s.find(s.managedDir, name); err != nil {
		return fmt.Errorf("remove %s: %w", name, err)
	} else if n != "" {
		return fmt.Errorf("remove %s: %w", n, ErrReadOnly)
	}
	n, err := s.find(s.userDir, name)
	if err != nil {
		return fmt.Errorf("remove %s: %w", name, err)
	}
	if n == "" {
		return fmt.Errorf("remove %s: %w", name, ErrNotFound)
	}
	if !guarded {
		if err := s.allow(OpRemove); err != nil {
			return fmt.Errorf("remove %s: %w", n, err)
		}
	}
	if err := os.Remove(filepath.Join(s.userDir, n+ext)); err != nil {
		return fmt.Errorf("remove %s: %w", n, err)
	}
	return nil
}

// ensureUserDir creates the user directory and keeps it private.
func (s *Store) ensureUserDir() error {
	if s.userDir == "" {
		return errors.New("no user profile directory")
	}
	if err := os.MkdirAll(s.userDir, dirMode); err != nil {
		return fmt.Errorf("create profile directory: %w", err)
	}
	return s.fixModes()
}

// fixModes puts the private modes back on the user directory and its files
// even when a umask or a user loosened them. Windows has no such modes: the
// user's profile directory is private already.
func (s *Store) fixModes() error {
	if runtime.GOOS == "windows" || s.userDir == "" {
		return nil
	}
	for _, d := range append([]string{s.userDir}, s.extraDirs...) {
		if err := chmodIf(d, dirMode); err != nil {
			return err
		}
	}
	names, err := profileNames(s.userDir)
	if err != nil {
		return err
	}
	for _, n := range names {
		if err := chmodIf(filepath.Join(s.userDir, n+ext), fileMode); err != nil {
			return err
		}
	}
	return nil
}

func chmodIf(path string, mode fs.FileMode) error {
	st, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if st.Mode()&fs.ModeSymlink != 0 || st.Mode().Perm() == mode {
		return nil
	}
	if err := os.Chmod(path, mode); err != nil {
		return fmt.Errorf("restrict permissions of %s: %w", path, err)
	}
	return nil
}

// writeAtomic writes a file through a temporary file and a rename, so that
// a crash never leaves half a profile behind.
func writeAtomic(path, text string) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*"+ext)
	if err != nil {
		return fmt.Errorf("write profile: %w", err)
	}
	tmp := f.Name()
	fail := func(err error) error {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("write profile: %w", err)
	}
	if runtime.GOOS != "windows" {
		if err := f.Chmod(fileMode); err != nil {
			return fail(err)
		}
	}
	if _, err := f.WriteString(text); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write profile: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write profile: %w", err)
	}
	return nil
}
