package userguard

import (
	"context"
	"errors"
	"io/fs"
	"sync"
	"testing"
)

func TestSystemSourceFallback(t *testing.T) {
	alice := []Session{sess("alice", ":0", ":0", KindGraphical)}
	errAbsent := unavailable(errors.New("connect to system bus: no such file or directory"))
	errBroken := errors.New("logind list sessions: access denied")
	step := func(s []Session, err error) func(context.Context) ([]Session, error) {
		return func(context.Context) ([]Session, error) { return s, err }
	}
	mustNotRun := func(t *testing.T) func(context.Context) ([]Session, error) {
		return func(context.Context) ([]Session, error) {
			t.Error("fallback backend asked although the first one is present")
			return nil, nil
		}
	}
	tests := []struct {
		name        string
		first, next func(context.Context) ([]Session, error) // nil next: mustNotRun
		want        []Session
		wantErr     error
		wantBackend string
	}{
		{name: "first answers", first: step(alice, nil), want: alice, wantBackend: "a"},
		{name: "first answers empty", first: step(nil, nil), wantBackend: "a"},
		{name: "first fails: no fallback", first: step(nil, errBroken), wantErr: errBroken, wantBackend: "a"},
		{name: "first absent", first: step(nil, errAbsent), next: step(alice, nil), want: alice, wantBackend: "b"},
		{name: "first absent, next fails", first: step(nil, errAbsent), next: step(nil, errBroken), wantErr: errBroken, wantBackend: "b"},
		{name: "all absent", first: step(nil, errAbsent), next: step(nil, unavailable(fs.ErrNotExist)), wantBackend: BackendNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next := tt.next
			if next == nil {
				next = mustNotRun(t)
			}
			src := newSystemSource(backend{name: "a", sessions: tt.first}, backend{name: "b", sessions: next})
			if got := src.Backend(); got != "" {
				t.Errorf("Backend before any call = %q, want empty", got)
			}
			got, err := src.Sessions(context.Background())
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("Sessions error = %v, want %v", err, tt.wantErr)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("Sessions = %+v, want %+v", got, tt.want)
			}
			if b := src.Backend(); b != tt.wantBackend {
				t.Errorf("Backend = %q, want %q", b, tt.wantBackend)
			}
		})
	}
}

// A cancelled check must not read as "backend absent" and slide down to a
// weaker backend, or to none.
func TestSystemSourceCancelledDoesNotFallBack(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	src := newSystemSource(
		backend{name: "a", sessions: func(ctx context.Context) ([]Session, error) { return nil, unavailable(ctx.Err()) }},
		backend{name: "b", sessions: func(context.Context) ([]Session, error) { t.Error("fell back"); return nil, nil }},
	)
	if _, err := src.Sessions(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sessions = %v, want context.Canceled", err)
	}
}

func TestSystemSourceBackendConcurrent(t *testing.T) {
	src := newSystemSource(backend{name: "a", sessions: func(context.Context) ([]Session, error) { return nil, nil }})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(2)
		go func() { defer wg.Done(); _, _ = src.Sessions(context.Background()) }()
		go func() { defer wg.Done(); _ = src.Backend() }()
	}
	wg.Wait()
	if got := src.Backend(); got != "a" {
		t.Errorf("Backend = %q, want a", got)
	}
}
