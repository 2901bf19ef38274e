package saml

import (
	"html/template"
	"net/http"
)

// page is what the browser shows. Each is self-contained (no scripts, no
// outside resources), in English and Japanese.
type page struct {
	Title, English, Japanese string
	// Detail is an English line naming the problem, if any.
	Detail string
}

var (
	pageDone = page{
		Title:    "Signed in",
		English:  "Sign-in is complete. You can close this tab and return to cvpn.",
		Japanese: "サインインが完了しました。このタブを閉じて cvpn に戻ってください。",
	}
	pageWaiting = page{
		Title:    "Waiting for sign-in",
		English:  "cvpn is waiting for the sign-in to finish in this browser.",
		Japanese: "cvpn はこのブラウザーでのサインインの完了を待っています。",
	}
	pageAlreadyDone = page{
		Title:    "Already signed in",
		English:  "This sign-in is already complete. To sign in again, connect again in cvpn.",
		Japanese: "このサインインはすでに完了しています。もう一度サインインするには、cvpn で再接続してください。",
	}
	pageRefused = page{
		Title:    "Sign-in response not accepted",
		English:  "cvpn could not use the sign-in response. Connect again in cvpn to start over.",
		Japanese: "cvpn はサインインの応答を受け付けられませんでした。cvpn で再接続して、もう一度やり直してください。",
	}
	pageForbidden = page{
		Title:    "Forbidden",
		English:  "cvpn accepts the sign-in response only from a browser on this computer.",
		Japanese: "cvpn はこのコンピューター上のブラウザーからのサインイン応答のみを受け付けます。",
	}
	pageNotFound = page{
		Title:    "Not found",
		English:  "There is nothing here. The sign-in response goes to /.",
		Japanese: "このページはありません。",
	}
	pageMethod = page{
		Title:    "Method not allowed",
		English:  "Only GET and POST are answered here.",
		Japanese: "GET と POST のみ受け付けます。",
	}
)

var pageTemplate = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cvpn: {{.Title}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36em;margin:4em auto;padding:0 1em;line-height:1.5;color:#222}h1{font-size:1.4em}.d{color:#a00}</style>
</head><body>
<h1>{{.Title}}</h1>
<p>{{.English}}</p>
{{with .Detail}}<p class="d">{{.}}</p>{{end}}
<p lang="ja">{{.Japanese}}</p>
</body></html>
`))

// writePage answers with p. The headers keep the page out of caches and
// frames and forbid it from loading anything.
func writePage(w http.ResponseWriter, status int, p page) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; frame-ancestors 'none'")
	w.WriteHeader(status)
	_ = pageTemplate.Execute(w, p)
}
