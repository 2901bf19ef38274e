//go:build linux

package packagetest

import (
	"strings"
	"testing"
)

// TestRPM inspects both architectures' .rpm with Debian's rpm.
func TestRPM(t *testing.T) {
	d := dist(t)
	for arch, rpmArch := range map[string]string{"amd64": "x86_64", "arm64": "aarch64"} {
		t.Run(arch, func(t *testing.T) {
			rpm := one(t, d, "cvpn-*."+rpmArch+".rpm")
			info := run(t, "rpm", "-qip", rpm)
			mustContain(t, "rpm -qip", info, "Name        : cvpn\n", "Architecture: "+rpmArch+"\n")
			list := run(t, "rpm", "-qlp", rpm)
			mustContain(t, "rpm -qlp", list, "/usr/bin/cvpn\n", unitPath+"\n", desktopPath+"\n", iconPath+"\n", "/etc/cvpn\n")
			if arch == "amd64" {
				mustContain(t, "rpm -qlp", list, "/usr/bin/cvpn-gui\n")
			}
			scripts := run(t, "rpm", "-qp", "--scripts", rpm)
			mustContain(t, "rpm --scripts", scripts, "postinstall scriptlet", "preuninstall scriptlet",
				"systemctl enable", "[ -d /run/systemd/system ]")
		})
	}
}

// TestConfigPackages: the preconfiguration is its own package, depending
// on cvpn, with the policy and profiles readable by every user.
func TestConfigPackages(t *testing.T) {
	d := dist(t)
	deb := one(t, d, "cvpn-config_*_all.deb")
	mustContain(t, "dpkg-deb -I", run(t, "dpkg-deb", "-I", deb), "Package: cvpn-config\n", "Depends: cvpn\n", "Architecture: all\n")
	list := run(t, "dpkg-deb", "-c", deb)
	mustContain(t, "dpkg-deb -c", list,
		"-rw-r--r-- root/root", "./etc/cvpn/policy.json\n",
		"drwxr-xr-x root/root         0", "./etc/cvpn/profiles/\n", "./etc/cvpn/profiles/work.ovpn\n")
	rpm := one(t, d, "cvpn-config-*.noarch.rpm")
	mustContain(t, "rpm -qRp", run(t, "rpm", "-qRp", rpm), "cvpn")
	rl := run(t, "rpm", "-qlvp", rpm)
	mustContain(t, "rpm -qlvp", rl, "/etc/cvpn/policy.json\n", "/etc/cvpn/profiles/work.ovpn\n")
	for _, line := range strings.Split(strings.TrimSpace(rl), "\n") {
		if strings.HasSuffix(line, ".json") || strings.HasSuffix(line, ".ovpn") {
			if !strings.HasPrefix(line, "-rw-r--r--") || !strings.Contains(line, " root     root ") {
				t.Errorf("want 0644 root:root: %s", line)
			}
		}
	}
}

// msiTable returns the rows of one table of the MSI, as msiinfo exports
// them (tab-separated, after three header lines).
func msiTable(t *testing.T, msi, table string) []string {
	t.Helper()
	// msiinfo ends its lines with CRLF.
	out := strings.Split(strings.TrimRight(strings.ReplaceAll(run(t, "msiinfo", "export", msi, table), "\r\n", "\n"), "\n"), "\n")
	if len(out) < 3 {
		t.Fatalf("msiinfo export %s: %q", table, out)
	}
	return out[3:]
}

func hasRow(rows []string, fields ...string) bool {
	for _, r := range rows {
		cols := strings.Split(r, "\t")
		ok := true
		for _, f := range fields {
			found := false
			for _, c := range cols {
				if c == f {
					found = true
					break
				}
			}
			ok = ok && found
		}
		if ok {
			return true
		}
	}
	return false
}

// TestMSI checks the MSI's tables: the service registered and started,
// the Start-menu shortcut, the files, and the preconfigured policy as
// registry values under HKLM\SOFTWARE\Policies\cvpn.
func TestMSI(t *testing.T) {
	d := dist(t)
	msi := one(t, d, "cvpn-*-x64.msi")
	tables := run(t, "msiinfo", "tables", msi)
	for _, tb := range []string{"ServiceInstall", "ServiceControl", "Registry", "Shortcut", "File", "Component"} {
		if !strings.Contains(tables, tb+"\n") {
			t.Errorf("the MSI has no %s table:\n%s", tb, tables)
		}
	}

	// Name, display name, 0x10 own process, 2 automatic, 1 normal errors,
	// and the argument that makes cvpn.exe the service.
	si := msiTable(t, msi, "ServiceInstall")
	if !hasRow(si, "cvpn", "cvpn VPN client service", "16", "2", "service", "CvpnExe") {
		t.Errorf("ServiceInstall has no automatic cvpn service running cvpn.exe service:\n%s", strings.Join(si, "\n"))
	}
	// Events: start on install (1), stop on install and uninstall (2|32),
	// delete on uninstall (128): 1|2|32|128 = 163.
	sc := msiTable(t, msi, "ServiceControl")
	if !hasRow(sc, "cvpn", "163", "CvpnExe") {
		t.Errorf("ServiceControl does not start, stop and delete cvpn:\n%s", strings.Join(sc, "\n"))
	}
	sh := msiTable(t, msi, "Shortcut")
	if !hasRow(sh, "ProgramMenuFolder", "CvpnGuiExe") {
		t.Errorf("no Start-menu shortcut to cvpn-gui.exe:\n%s", strings.Join(sh, "\n"))
	}
	files := strings.Join(msiTable(t, msi, "File"), "\n")
	mustContain(t, "the File table", files, "cvpn.exe", "cvpn-gui.exe", "work.ovpn")
	if strings.Contains(files, "wintun.dll") {
		t.Error("the MSI has a wintun.dll though none was given")
	}
	// ADMX/ADML, when the policy template is in the tree.
	if admx := globRepo(t, "packaging/windows/policy/*.admx"); len(admx) > 0 {
		mustContain(t, "the File table", files, ".admx", ".adml")
	}
	dirs := strings.Join(msiTable(t, msi, "Directory"), "\n")
	mustContain(t, "the Directory table", dirs, "PROFILESDIR\tDATADIR\tprofiles", "DATADIR\tCommonAppDataFolder\tcvpn",
		"POLICYDIR\tINSTALLDIR\tpolicy", "INSTALLDIR\tProgramFiles64Folder\tcvpn")

	// testdata/preconfig/policy.json: a string and a boolean; HKLM is root 2.
	reg := msiTable(t, msi, "Registry")
	for _, want := range [][]string{
		{"2", `SOFTWARE\Policies\cvpn`, "connect_at_start", "work"},
		{"2", `SOFTWARE\Policies\cvpn`, "auto_reconnect", "#1"},
		{"2", `SOFTWARE\Policies\cvpn`, "log_level", "info"},
	} {
		if !hasRow(reg, want...) {
			t.Errorf("no Registry row %v:\n%s", want, strings.Join(reg, "\n"))
		}
	}
	// Every component is 64-bit (attribute 256), so the registry values
	// land in the 64-bit view the service reads.
	for _, r := range msiTable(t, msi, "Component") {
		cols := strings.Split(r, "\t")
		if len(cols) > 3 && cols[3] != "256" && cols[3] != "260" {
			t.Errorf("component %s is not 64-bit (attributes %s)", cols[0], cols[3])
		}
	}
}
