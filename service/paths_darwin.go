package service

func defaultStateDir() string { return "/Library/Application Support/cvpn" }
func defaultLogDir() string   { return "/Library/Logs/cvpn" }
