# Sourced (not run) by setup.sh and setup-run.sh, from the repository root: the Debian packages
# every script needs (Java 17, Maven, npm) start the list `need` of missing ones, and install_need
# installs the list, quietly, as root or with sudo. Each script adds what else it needs in between.
need=()
command -v java >/dev/null || need+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || need+=(maven)
command -v npm >/dev/null || need+=(npm)

install_need() {
  [ ${#need[@]} -gt 0 ] || return 0
  echo "setup: installing ${need[*]} (apt)"
  export DEBIAN_FRONTEND=noninteractive
  local SUDO=
  [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
}
