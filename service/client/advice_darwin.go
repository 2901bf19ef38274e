package client

const startAdvice = "start it with 'sudo launchctl kickstart system/com.cvpn.service', or run 'sudo cvpn service' in another terminal"
