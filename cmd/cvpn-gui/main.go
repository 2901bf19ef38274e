// Command cvpn-gui is the desktop app. The Fyne views arrive with their own
// issue; until then it tells the user to use the cvpn CLI.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "cvpn-gui: the desktop app is not built yet; use the cvpn command line (cvpn help)")
	os.Exit(2)
}
