package service_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cvpn/cvpn/internal/testenv"
	"github.com/cvpn/cvpn/logs"
	"github.com/cvpn/cvpn/openvpn"
	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/service/client"
)

func init() {
	registerRole("answer-repeat", roleAnswerRepeat)
}

// roleAnswerRepeat answers the prompt args[1] on the socket args[0] with
// the password args[2] repeated args[3] times (too long to pass as an
// argument), args[4] times over, each prefixed "junk-N-" when more than
// once. It prints a resultLine per answer.
func roleAnswerRepeat(args []string) int {
	c := client.New(args[0])
	count, _ := strconv.Atoi(args[3])
	n, _ := strconv.Atoi(args[4])
	for i := range n {
		err := c.Answer(context.Background(), api.AnswerBody{ID: args[1], Password: repeatedAnswer(args[2], count, n, i)})
		fmt.Println(resultLine(err))
	}
	return 0
}

// repeatedAnswer is the i-th of n passwords roleAnswerRepeat sends.
func repeatedAnswer(unit string, count, n, i int) string {
	pw := strings.Repeat(unit, count)
	if n > 1 {
		pw = fmt.Sprintf("junk-%04d-%s", i, pw)
	}
	return pw
}

// An allowed user's answers register a secret with the redactor only when
// they answer a prompt of the user's own: answers to no prompt (an audit
// phrase, 4 MB of repetition, a hundred pieces of junk) and to another
// user's prompt register nothing. So they cannot scrub later log lines,
// slow every log write, or push a real secret out of the redactor's list.
func TestAllowedUserAnswersRegisterNoSecret(t *testing.T) {
	user, other := testenv.Nobody, otherUID
	as := startAllowed(t, allowedOptions{console: []int{user, other}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events, err := as.root.Events(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer events.Close()
	prof := profileText(t)

	// prompt connects name as uid and has its engine ask for a password:
	// the prompt's ID, and where the engine's answer arrives.
	prompt := func(uid int, name string) (string, <-chan *openvpn.Answer) {
		t.Helper()
		if got := allowedCall(t, as, uid, "connect", name, prof); !strings.HasPrefix(got, "ok") {
			t.Fatalf("uid %d's connect: %s", uid, got)
		}
		sess := as.os.Session(t, name)
		answered := make(chan *openvpn.Answer, 1)
		go func() {
			a, _ := sess.Opts.Prompter.Prompt(ctx, &openvpn.Prompt{Kind: openvpn.PromptUserPass, Profile: name, AskPassword: true})
			answered <- a
		}()
		ev := nextEvent(t, events, func(e *api.Event) bool { return e.Prompt != nil && e.Tunnel == name })
		return ev.Prompt.ID, answered
	}

	// A real secret, which junk must not evict.
	const ownSecret = "the-users-real-password"
	id, answered := prompt(user, "mine")
	if got := allowedCall(t, as, user, "answer", id, ownSecret); got != "ok " {
		t.Fatalf("the owner's answer: %q", got)
	}
	if a := <-answered; a == nil || a.Password != ownSecret {
		t.Fatalf("the engine got %+v", a)
	}

	// Another user's prompt: refused, registered nothing, still waiting
	// for its owner.
	red := as.logs.Redactor()
	const wrong = "answer-meant-for-another"
	theirs, theirAnswer := prompt(other, "theirs")
	if got := allowedCall(t, as, user, "answer", theirs, wrong); !strings.HasPrefix(got, fmt.Sprintf("error 403 %s", api.CodePermission)) {
		t.Errorf("uid %d answering uid %d's prompt: %s; want 403", user, other, got)
	}
	if got := red.Redact("typed " + wrong); got != "typed "+wrong {
		t.Errorf("an answer refused 403 was registered as a secret: %q", got)
	}
	if got := allowedCall(t, as, other, "answer", theirs, "the-other-users-password"); got != "ok " {
		t.Errorf("the owner's answer after a refused one: %q", got)
	}
	if a := <-theirAnswer; a == nil || a.Password != "the-other-users-password" {
		t.Errorf("the other engine got %+v", a)
	}

	// An answer to no prompt that names the user as the service's audit
	// lines do leaves a later such line in the log file whole.
	phrase := fmt.Sprintf("requested by uid %d", user)
	if got := allowedCall(t, as, user, "answer", "0123456789abcdef", phrase); !strings.HasPrefix(got, fmt.Sprintf("error 404 %s", api.CodeNoPrompt)) {
		t.Errorf("an answer to no prompt: %s; want 404", got)
	}
	if got := allowedCall(t, as, user, "disconnect"); !strings.HasPrefix(got, "ok") {
		t.Errorf("the user's disconnect all: %s", got)
	}
	data, err := os.ReadFile(filepath.Join(as.logs.Path(), "diagnostic.log"))
	if err != nil {
		t.Fatal(err)
	}
	if audit := "disconnect all " + phrase; !strings.Contains(string(data), audit) {
		t.Errorf("the log has no %q; it was scrubbed:\n%s", audit, lastBytes(data, 3000))
	}
	if got := red.Redact("typed " + phrase); got != "typed "+phrase {
		t.Errorf("an answer to no prompt was registered as a secret: %q", got)
	}

	// More answers to no prompt, each checked at once: a later one could
	// evict an earlier one from the redactor's list.
	noPrompt := []struct {
		name     string
		unit     string
		count, n int
	}{
		{"the longest secret the redactor keeps, repetitive", "ab ", logs.MaxSecretLen / 3, 1},
		{"4 MB of repetition", "ab ", (api.MaxAnswerSize - 4<<10) / 3, 1},
		{"a hundred pieces of junk", "x", 16, 100},
	}
	for _, tt := range noPrompt {
		c := startRole(t, user, "answer-repeat", as.sock, "0123456789abcdef", tt.unit, strconv.Itoa(tt.count), strconv.Itoa(tt.n))
		var lines []string
		for range tt.n {
			lines = append(lines, c.waitLine(t, 30*time.Second, "an answer", func(string) bool { return true }))
		}
		wantLines(t, tt.name, lines, fmt.Sprintf("error 404 %s", api.CodeNoPrompt))
		for i := range tt.n {
			pw := repeatedAnswer(tt.unit, tt.count, tt.n, i)
			if got := red.Redact("typed " + pw); got != "typed "+pw {
				t.Errorf("%s: a line holding an answer to no prompt (%d bytes) was redacted: %.100q", tt.name, len(pw), got)
				break
			}
		}
	}
	if got := red.Redact("typed " + ownSecret); got != "typed "+logs.Marker {
		t.Errorf("the owner's real password is no longer redacted after the junk: %q", got)
	}
}

// allowedCall runs one roleCall as uid and returns its line.
func allowedCall(t *testing.T, as *allowedService, uid int, args ...string) string {
	t.Helper()
	c := startRole(t, uid, "call", append([]string{as.sock}, args...)...)
	return c.waitLine(t, 20*time.Second, "answer to "+args[0], func(string) bool { return true })
}

// lastBytes returns the end of data, for a failure message.
func lastBytes(data []byte, n int) []byte {
	return data[max(0, len(data)-n):]
}
