package idp

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
)

// inputRE finds a form's named inputs in the pages samlidp writes.
var inputRE = regexp.MustCompile(`<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"`)

// formActionRE finds a form's action.
var formActionRE = regexp.MustCompile(`<form[^>]*action="([^"]+)"`)

// ScriptedLogin does what a browser does with signInURL (a SAML
// AuthnRequest to this kind of IdP), without a browser: it opens the URL,
// posts the login form with username and password, and returns the
// SAMLResponse and the ACS URL of the auto-posting form the IdP answers
// with. It is for tests that do not need a real browser.
func ScriptedLogin(ctx context.Context, signInURL, username, password string) (samlResponse, acs string, err error) {
	jar, _ := cookiejar.New(nil)
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	c := &http.Client{Jar: jar, Transport: tr}
	page, err := fetch(ctx, c, http.MethodGet, signInURL, nil, "")
	if err != nil {
		return "", "", err
	}
	fields, action := parseForm(page)
	if _, ok := fields["SAMLRequest"]; !ok || action == "" {
		return "", "", errors.New("scripted login: the IdP did not show its login form")
	}
	fields["user"], fields["password"] = username, password
	form := url.Values{}
	for k, v := range fields {
		form.Set(k, v)
	}
	base, _ := url.Parse(signInURL)
	origin := base.Scheme + "://" + base.Host
	page, err = fetch(ctx, c, http.MethodPost, action, strings.NewReader(form.Encode()), origin)
	if err != nil {
		return "", "", err
	}
	fields, action = parseForm(page)
	resp, ok := fields["SAMLResponse"]
	if !ok {
		return "", "", fmt.Errorf("scripted login: no SAMLResponse in the IdP's answer: %.300s", page)
	}
	return resp, action, nil
}

func fetch(ctx context.Context, c *http.Client, method, u string, body io.Reader, origin string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return "", err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", origin)
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", fmt.Errorf("scripted login: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return "", fmt.Errorf("scripted login: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("scripted login: %s %s: %s: %.200s", method, u, resp.Status, b)
	}
	return string(b), nil
}

func parseForm(page string) (map[string]string, string) {
	fields := map[string]string{}
	for _, m := range inputRE.FindAllStringSubmatch(page, -1) {
		fields[m[1]] = html.UnescapeString(m[2])
	}
	action := ""
	if m := formActionRE.FindStringSubmatch(page); m != nil {
		action = html.UnescapeString(m[1])
	}
	return fields, action
}
