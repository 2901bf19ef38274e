// Package packagetest tests cvpn's installers: it runs `make package` once
// (with the preconfiguration in testdata/preconfig) and checks what it
// built: the .deb by installing, removing and purging it on this machine,
// the .rpm with rpm's queries, the MSI's tables with msiinfo, and the
// cvpn-config packages. It needs root and Debian's dpkg, rpm and msitools
// (make test installs them); it skips without them, and fails under CI=true.
package packagetest
