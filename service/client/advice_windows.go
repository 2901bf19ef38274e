package client

const startAdvice = "start the \"cvpn\" service in Services (services.msc), or run 'cvpn service' in an administrator prompt"
