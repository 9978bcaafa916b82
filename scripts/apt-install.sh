# Sourced by the service scripts: install Debian packages without starting the system
# instances they ship (a policy-rc.d guard for the time of the install).
#
#   apt_install_quietly LOG_FILE PACKAGE...

apt_install_quietly() {
    local apt_log="$1" guard=/usr/sbin/policy-rc.d created_guard=0 status=0
    shift
    local sudo_=""
    [ "$(id -u)" -eq 0 ] || sudo_=sudo
    if [ ! -e "$guard" ]; then
        printf '#!/bin/sh\nexit 101\n' | $sudo_ tee "$guard" >/dev/null
        $sudo_ chmod 755 "$guard"
        created_guard=1
    fi
    $sudo_ apt-get update -q </dev/null >"$apt_log" 2>&1 &&
        $sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" \
            </dev/null >>"$apt_log" 2>&1 || status=$?
    if [ "$created_guard" -eq 1 ]; then $sudo_ rm -f "$guard"; fi
    if [ "$status" -ne 0 ]; then
        echo "apt-get install $* failed; see $apt_log" >&2
    fi
    return "$status"
}
