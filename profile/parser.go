package profile

import (
	"crypto"
	"crypto/x509"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// ParseOptions says where a profile came from.
type ParseOptions struct {
	// Name names the profile in messages, for example "corp.ovpn".
	Name string
	// Dir is the directory that relative file references ("ca ca.crt")
	// resolve against. When empty, file references are errors whose fix is
	// to inline the file, because there is nowhere safe to read them from.
	Dir string
}

// ParseFile reads and parses the profile at path, resolving file references
// against its directory. The returned error wraps ErrInvalid when the
// profile itself is at fault, and is an I/O error otherwise.
func ParseFile(path string) (*Profile, error) {
	data, err := readCapped(path, MaxProfileSize)
	if err != nil {
		return nil, fmt.Errorf("read profile: %w", err)
	}
	p, err := Parse(data, ParseOptions{Name: filepath.Base(path), Dir: filepath.Dir(path)})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Parse parses profile text. On success the Profile is complete and
// validated; otherwise the error is an ErrorList holding every problem found
// (up to MaxErrors), each naming the file, line, directive and fix.
func Parse(data []byte, opt ParseOptions) (*Profile, error) {
	p, _, errs := parse(data, opt)
	if len(errs) > 0 {
		return nil, errs
	}
	return p, nil
}

// parse is Parse that also returns the warnings of a profile that failed.
func parse(data []byte, opt ParseOptions) (*Profile, []Warning, ErrorList) {
	name := opt.Name
	if name == "" {
		name = "profile"
	}
	p := newParser(name, opt.Dir)
	lines, bad := splitSource(data)
	if bad != nil {
		bad.File = name
		return nil, nil, ErrorList{bad}
	}
	p.src.lines = lines
	ds := p.lex(lines)
	markReplaced(ds)
	for _, d := range ds {
		if p.full() {
			break
		}
		p.apply(d)
	}
	if !p.full() {
		p.finish()
	}
	p.fixUnknownHints()
	p.sortFindings()
	if len(p.errs) > 0 {
		return nil, p.warns, p.errs
	}
	p.prof.Name = strings.TrimSuffix(strings.TrimSuffix(name, ".ovpn"), ".conf")
	p.prof.Warnings = p.warns
	p.prof.src = p.src
	return p.prof, p.warns, nil
}

// readCapped reads a regular file of at most max bytes. Devices, pipes and
// directories are refused before opening, so that a profile naming
// /dev/zero or a FIFO cannot make the parser read forever or block.
func readCapped(path string, max int64) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	if st.Size() > max {
		return nil, fmt.Errorf("%s is larger than %d KiB", path, max>>10)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s is larger than %d KiB", path, max>>10)
	}
	return data, nil
}

// fileSlot holds a file-valued option (ca, cert, auth-user-pass...) until
// the end, because "ca [inline]" may come before or after its <ca> block.
type fileSlot struct {
	set         bool
	placeholder bool // "[inline]" seen, content not yet
	line        int
	data        []byte
	certs       []*x509.Certificate // for ca and cert, parsed once
	pub         crypto.PublicKey    // for key: its public half, to match the cert
	encrypted   bool                // key or pkcs12 protected by a passphrase
}

// put records a value; a placeholder never hides content already read.
func (s *fileSlot) put(line int, data []byte, placeholder bool) *fileSlot {
	if placeholder && s.set && !s.placeholder {
		return s
	}
	*s = fileSlot{set: true, placeholder: placeholder, line: line, data: data}
	return s
}

// wrapSlots are the three mutually exclusive wrapping keys of one scope.
type wrapSlots struct {
	auth, crypt, cryptV2 fileSlot
	keyDir               KeyDirection
	keyDirLine           int
}

func (w *wrapSlots) any() bool { return w.auth.set || w.crypt.set || w.cryptV2.set }

// connState is OpenVPN's connection entry: the options a <connection> block
// may set. The top-level one holds the defaults that later blocks copy.
type connState struct {
	port, localPort int
	localAddr       string
	proto           Proto
	family          Family
	bind, float     bool
	retry, retryMax time.Duration
	timeout         time.Duration
	exitNotify      int
	tunMTU          int
	tunMTUSet       bool
	mssfix          int
	mssfixSet       bool
	mssfixEncap     bool
	mssfixFixed     bool
	tlsMTU          int
	wrap            wrapSlots
	remote          *remoteLine // in a block: its remote (the last one wins)
	proxy           *connProxy  // http-proxy / socks-proxy; copied on write
}

// defaultConn holds OpenVPN 2.6's init_options values.
func defaultConn() connState {
	return connState{
		port: 1194, proto: ProtoUDP, bind: true,
		retry: time.Second, retryMax: 300 * time.Second, timeout: 120 * time.Second,
		tunMTU: 1500, tlsMTU: 1250, mssfixEncap: true,
	}
}

// remoteLine is one "remote HOST [PORT] [PROTO]"; zero fields inherit.
type remoteLine struct {
	host     string
	port     int
	proto    Proto
	protoSet bool
	family   Family
	line     int
}

// unknownRef remembers an unknown-directive error, so that a later
// ignore-unknown-option can turn its fix into "move that line up".
type unknownRef struct {
	err  *Error
	name string
}

type parser struct {
	file  string
	dir   string
	errs  ErrorList
	warns []Warning
	prof  *Profile
	src   *source

	top        connState
	conn       *connState // the current scope: &top or a block's copy
	inBlock    int        // number of the <connection> block being read, 0 at top level
	topRemotes []remoteLine
	blocks     []blockConn
	sawBlock   bool
	sawRemote  bool      // a remote line was seen, even a bad one
	globalWrap wrapSlots // top-level tls-auth/tls-crypt(-v2): blocks without their own inherit it

	ignoreUnknown map[string]int
	forwardCompat bool
	unknowns      []unknownRef

	ca, cert, key, extra, pkcs12, crl, userPass fileSlot
	proxyG                                      proxyGlobals

	remoteCount   int
	protoForceSet bool
	protoForced   Proto
	devLine       int
	devTypeName   string
	tlsVerMinSet  bool
	cipherLine    int
	digestLine    int
	challengeLine int
	compSet       bool
	compLine      int
	allowSet      bool
	pingLine      int
	keepaliveLine int
	keepPing      time.Duration
	keepRestart   time.Duration
}

func newParser(file, dir string) *parser {
	p := &parser{
		file:          file,
		dir:           dir,
		src:           &source{repl: map[int][]string{}},
		top:           defaultConn(),
		ignoreUnknown: map[string]int{},
		prof: &Profile{
			ResolvRetry: Forever,
			Dev:         "tun",
			Data:        DataChannel{Digest: "SHA1"},
			Timers: Timers{
				RenegInterval: 3600 * time.Second,
				HandWindow:    60 * time.Second,
				TLSTimeout:    2 * time.Second,
			},
			Verb: 1,
		},
	}
	p.conn = &p.top
	return p
}

// full reports whether MaxErrors was reached; the parser then stops.
func (p *parser) full() bool { return len(p.errs) >= MaxErrors }

// errorf records a problem. msg is a format for args; fix is plain text.
func (p *parser) errorf(line int, dir, msg, fix string, args ...any) *Error {
	e := &Error{File: p.file, Line: line, Directive: dir, Msg: fmt.Sprintf(msg, args...), Fix: fix}
	if len(p.errs) < MaxErrors-1 {
		p.errs = append(p.errs, e)
	} else if len(p.errs) == MaxErrors-1 {
		p.errs = append(p.errs, &Error{File: p.file, Line: line,
			Msg: fmt.Sprintf("too many problems; stopped after %d", MaxErrors-1),
			Fix: "fix the ones above and check again"})
	}
	return e
}

// warnf records a non-fatal finding; they are capped like errors.
func (p *parser) warnf(line int, dir, msg string, args ...any) {
	if len(p.warns) < MaxErrors {
		p.warns = append(p.warns, Warning{Line: line, Directive: dir, Text: fmt.Sprintf(msg, args...)})
	}
}

// sortFindings puts errors and warnings in line order: checks that run
// at the end of the file (a certificate without its key) report earlier
// lines. Findings about the whole profile (line 0) come after those with a
// line, and the "too many problems" marker stays last.
func (p *parser) sortFindings() {
	rank := func(line int) int {
		if line == 0 {
			return math.MaxInt
		}
		return line
	}
	errs := p.errs
	if p.full() {
		errs = errs[:len(errs)-1]
	}
	sort.SliceStable(errs, func(i, j int) bool { return rank(errs[i].Line) < rank(errs[j].Line) })
	sort.SliceStable(p.warns, func(i, j int) bool { return rank(p.warns[i].Line) < rank(p.warns[j].Line) })
}

// fixUnknownHints points unknown-directive errors at an ignore-unknown-option
// that came too late: OpenVPN only honours it for directives below it.
func (p *parser) fixUnknownHints() {
	for _, u := range p.unknowns {
		if line, ok := p.ignoreUnknown[u.name]; ok && line > u.err.Line {
			u.err.Fix = fmt.Sprintf("ignore-unknown-option on line %d only covers the lines below it; move it above line %d", line, u.err.Line)
		}
	}
}
