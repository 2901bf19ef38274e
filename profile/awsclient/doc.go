// Package awsclient moves a user's profiles from the AWS VPN Client to
// cvpn: it finds the client's set-up, reads its list of profiles, and
// imports each .ovpn file through the profile store, so each one passes
// the same checks as a profile the user imports by hand.
//
// What the AWS VPN Client keeps, as far as could be confirmed:
//
//   - Version 5.x keeps a JSON file named ConnectionProfiles (no extension)
//     and a folder OpenVpnConfigs with one .ovpn file per profile (stored
//     without the .ovpn extension), in the user's AWSVPNClient directory:
//     ~/.config/AWSVPNClient on Linux and also on macOS (not ~/Library),
//     and %USERPROFILE%\AppData\Roaming\AWSVPNClient on Windows. The file
//     is {"Version", "LastSelectedProfileIndex", "ConnectionProfiles": [...]}
//     with each profile's ProfileName, OvpnConfigFilePath (absolute),
//     CvpnEndpointId, CvpnEndpointRegion, CompatibilityVersion (a string,
//     "2" when federated) and FederatedAuthType (a number, 1 for SAML).
//     This layout is seen in public tools that write the file for the
//     client; AWS does not document it.
//   - Version 6.x adds a CLI (aws-vpn-client list-profiles and the like)
//     but its documentation names no place on disk. Where a 6.x client
//     still keeps the 5.x files they are found as above; elsewhere the
//     user points --dir at the directory that holds ConnectionProfiles,
//     or at a folder of .ovpn files.
package awsclient
