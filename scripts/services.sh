#!/usr/bin/env bash
# LetItGo backing services on loopback, without docker.
#
#   bash scripts/services.sh up|down|status
#   bash scripts/services.sh start|stop|restart <redis|kafka|ferretdb>...
#   bash scripts/services.sh logs <redis|kafka|ferretdb>
#
# Everything (jars, built binary, data, logs, pid files) lives under the git-ignored
# .services/ folder at the repo root. Installs are cached: the Kafka jars in
# .services/kafka/libs (Maven cache ~/.m2), the FerretDB binary in .services/bin
# (Go module/build caches). With everything installed, `up` only starts processes.
#
# Ports (127.0.0.1 only), overridable by environment:
#   LETITGO_REDIS_PORT (6379)  LETITGO_KAFKA_PORT (9092)
#   LETITGO_KAFKA_CONTROLLER_PORT (9093)  LETITGO_FERRETDB_PORT (27017)
# Other knobs:
#   LETITGO_REDIS_APPENDONLY=yes   run Redis with AOF (durability tests); default no
#   LETITGO_SERVICES_TIMEOUT       readiness timeout in seconds per service (default 90)

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SVC="$ROOT/.services"

REDIS_PORT="${LETITGO_REDIS_PORT:-6379}"
KAFKA_PORT="${LETITGO_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${LETITGO_KAFKA_CONTROLLER_PORT:-9093}"
FERRETDB_PORT="${LETITGO_FERRETDB_PORT:-27017}"
REDIS_APPENDONLY="${LETITGO_REDIS_APPENDONLY:-no}"
READY_TIMEOUT="${LETITGO_SERVICES_TIMEOUT:-90}"
STOP_TIMEOUT=20

KAFKA_VERSION="3.9.1"
FERRETDB_VERSION="v1.24.2"
FERRETDB_MODULE="github.com/FerretDB/FerretDB"
FALLBACK_GOTOOLCHAIN="go1.24.3"
KAFKA_HEAP="-Xmx768m -Xms256m"

REDIS_DIR="$SVC/redis"
KAFKA_DIR="$SVC/kafka"
KAFKA_LIBS="$KAFKA_DIR/libs"
KAFKA_POM="$ROOT/scripts/kafka-pom.xml"
FERRETDB_DIR="$SVC/ferretdb"
FERRETDB_BIN="$SVC/bin/ferretdb"
FERRETDB_SRC="$SVC/src/ferretdb-$FERRETDB_VERSION"

ALL_SERVICES=(redis kafka ferretdb)

# Go usually lives outside the default PATH.
for d in /usr/local/go/bin "$HOME/go/bin"; do
  if [[ -d "$d" && ":$PATH:" != *":$d:"* ]]; then PATH="$PATH:$d"; fi
done
export PATH

# ---------------------------------------------------------------- helpers

log() { echo "[services] $*"; }
err() { echo "[services] ERROR: $*" >&2; }
die() { err "$*"; exit 1; }

now_ms() { date +%s%3N; }
elapsed() { # start_ms -> "1.23s"
  local d=$(( $(now_ms) - $1 ))
  printf '%d.%02ds' $((d / 1000)) $(((d % 1000) / 10))
}

APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null || die "apt-get not available; install $* by hand"
  if [[ $APT_UPDATED == 0 ]]; then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null || die "apt-get update failed"
    APT_UPDATED=1
  fi
  log "apt-get install -y $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null || die "apt-get install $* failed"
}

# Is something accepting TCP connections on 127.0.0.1:$1 ?
port_open() {
  timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

pid_alive() {
  local pid="$1"
  [[ -n "$pid" && "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # a zombie is as good as dead
  local state
  state="$(awk '/^State:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)"
  [[ "$state" != "Z" ]]
}

pid_cmdline() { tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true; }

# Who listens on a port (best effort, for error messages).
port_owner() {
  if command -v ss >/dev/null; then
    ss -Hltnp "sport = :$1" 2>/dev/null | sed 's/^/    /' || true
  fi
}

# The pid of service $1 if it is running (from its pid file, checked against the
# process command line; falls back to a scan for our unique marker). Stale pid
# files (kill -9 survivors, reused pids) are removed.
service_pid() {
  local name="$1" pidfile marker pid=""
  pidfile="$(pidfile_of "$name")"
  marker="$(marker_of "$name")"
  if [[ -f "$pidfile" ]]; then
    pid="$(tr -dc '0-9' <"$pidfile" 2>/dev/null || true)"
    if pid_alive "$pid" && [[ "$(pid_cmdline "$pid")" == *"$marker"* ]]; then
      echo "$pid"
      return 0
    fi
    rm -f "$pidfile"
    pid=""
  fi
  if [[ "$name" == redis ]]; then
    # redis rewrites its process title; ask the server which pid file it uses.
    if command -v redis-cli >/dev/null && port_open "$REDIS_PORT"; then
      local conf
      conf="$(redis-cli -p "$REDIS_PORT" --no-raw config get pidfile 2>/dev/null | tail -n1 || true)"
      if [[ "$conf" == *"$pidfile"* ]]; then
        pid="$(redis-cli -p "$REDIS_PORT" info server 2>/dev/null | tr -d '\r' | awk -F: '/^process_id:/ {print $2}')"
      fi
    fi
  else
    pid="$(pgrep -f -- "$marker" 2>/dev/null | head -n1 || true)"
  fi
  if pid_alive "$pid"; then
    echo "$pid" >"$pidfile"
    echo "$pid"
    return 0
  fi
  return 1
}

pidfile_of() {
  case "$1" in
    redis) echo "$REDIS_DIR/redis.pid" ;;
    kafka) echo "$KAFKA_DIR/kafka.pid" ;;
    ferretdb) echo "$FERRETDB_DIR/ferretdb.pid" ;;
  esac
}

# A string that appears in our process' command line and in no foreign one.
marker_of() {
  case "$1" in
    redis) echo "redis-server" ;;
    kafka) echo "$KAFKA_DIR/server.properties" ;;
    ferretdb) echo "$FERRETDB_BIN" ;;
  esac
}

port_of() {
  case "$1" in
    redis) echo "$REDIS_PORT" ;;
    kafka) echo "$KAFKA_PORT" ;;
    ferretdb) echo "$FERRETDB_PORT" ;;
  esac
}

logfile_of() {
  case "$1" in
    redis) echo "$REDIS_DIR/redis.log" ;;
    kafka) echo "$KAFKA_DIR/kafka.log" ;;
    ferretdb) echo "$FERRETDB_DIR/ferretdb.log" ;;
  esac
}

show_log_tail() {
  local f
  f="$(logfile_of "$1")"
  if [[ -f "$f" ]]; then
    err "last lines of $f:"
    tail -n 40 "$f" | sed 's/^/    /' >&2
  fi
}

# SIGTERM, wait, then SIGKILL.
stop_service() {
  local name="$1" pid t0 waited=0
  if ! pid="$(service_pid "$name")"; then
    log "$name: not running"
    rm -f "$(pidfile_of "$name")"
    return 0
  fi
  t0="$(now_ms)"
  kill -TERM "$pid" 2>/dev/null || true
  while pid_alive "$pid"; do
    if ((waited >= STOP_TIMEOUT * 10)); then
      log "$name: pid $pid ignored SIGTERM for ${STOP_TIMEOUT}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.2
      break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  rm -f "$(pidfile_of "$name")"
  log "$name: stopped (pid $pid) in $(elapsed "$t0")"
}

# Wait until $2 (a command) succeeds, the process of service $1 stays alive.
wait_ready() {
  local name="$1" check="$2" t0 deadline pid
  t0="$(now_ms)"
  deadline=$(( $(date +%s) + READY_TIMEOUT ))
  while true; do
    if $check; then
      log "$name: ready on 127.0.0.1:$(port_of "$name") (pid $(service_pid "$name" || echo '?'), waited $(elapsed "$t0"))"
      return 0
    fi
    if ! pid="$(service_pid "$name")"; then
      err "$name: process exited before becoming ready"
      show_log_tail "$name"
      return 1
    fi
    if (( $(date +%s) >= deadline )); then
      err "$name: not ready after ${READY_TIMEOUT}s (pid $pid still running)"
      show_log_tail "$name"
      return 1
    fi
    sleep 0.2
  done
}

# Refuse to start when a foreign process holds the port.
require_free_port() {
  local name="$1" port="$2"
  if port_open "$port"; then
    err "$name: port 127.0.0.1:$port is taken by another process:"
    port_owner "$port" >&2
    return 1
  fi
}

# Launch a long-running command detached from this shell (own session, no stdin,
# output to a log file); its pid goes to the pid file. fd 9 (our lock) is closed.
launch() {
  local pidfile="$1" logfile="$2"
  shift 2
  : >"$logfile"
  # shellcheck disable=SC2016  # $$ and $@ expand in the child shell
  nohup setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" \
    </dev/null >>"$logfile" 2>&1 9>&- &
  # wait for the pid file to appear (the child writes it before exec)
  local i
  for i in $(seq 1 50); do
    [[ -s "$pidfile" ]] && return 0
    sleep 0.02
  done
}

# ---------------------------------------------------------------- redis

install_redis() {
  if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    log "redis: redis-server missing, installing the Debian package"
    apt_install redis-server
  fi
}

redis_ping() {
  [[ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" == "PONG" ]]
}

launch_redis() {
  local pid
  if pid="$(service_pid redis)"; then
    log "redis: already running (pid $pid)"
    return 0
  fi
  require_free_port redis "$REDIS_PORT" || return 1
  mkdir -p "$REDIS_DIR/data"
  rm -f "$REDIS_DIR/redis.pid"
  : >"$REDIS_DIR/redis.log"
  log "redis: starting on 127.0.0.1:$REDIS_PORT (appendonly $REDIS_APPENDONLY)"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes \
    --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log" \
    --dir "$REDIS_DIR/data" --save '' --appendonly "$REDIS_APPENDONLY" 9>&- ||
    { err "redis: redis-server failed to start"; show_log_tail redis; return 1; }
}

wait_redis() { wait_ready redis redis_ping; }

# ---------------------------------------------------------------- kafka

install_kafka() {
  local stamp="$KAFKA_LIBS/.installed" want
  command -v java >/dev/null || apt_install default-jre-headless
  want="kafka $KAFKA_VERSION pom $(sha256sum "$KAFKA_POM" | cut -c1-16)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    return 0
  fi
  command -v mvn >/dev/null || apt_install maven
  local t0
  t0="$(now_ms)"
  log "kafka: fetching Kafka $KAFKA_VERSION jars from Maven Central into $KAFKA_LIBS"
  rm -rf "$KAFKA_LIBS"
  mkdir -p "$KAFKA_LIBS"
  # outputDirectory must be absolute: maven resolves it against the pom's folder
  local mvnlog="$SVC/logs/kafka-mvn.log"
  mkdir -p "$SVC/logs"
  if ! mvn -B -q -Dstyle.color=never -f "$KAFKA_POM" \
    org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies \
    -DoutputDirectory="$KAFKA_LIBS" -DincludeScope=runtime >"$mvnlog" 2>&1 9>&-; then
    err "kafka: maven failed to fetch the Kafka jars:"
    tail -n 40 "$mvnlog" | sed 's/^/    /' >&2
    exit 1
  fi
  compgen -G "$KAFKA_LIBS/kafka_2.13-$KAFKA_VERSION.jar" >/dev/null ||
    die "kafka: kafka_2.13-$KAFKA_VERSION.jar missing after maven run"
  echo "$want" >"$stamp"
  log "kafka: $(find "$KAFKA_LIBS" -name "*.jar" | wc -l) jars fetched in $(elapsed "$t0")"
}

write_kafka_config() {
  mkdir -p "$KAFKA_DIR/data"
  cat >"$KAFKA_DIR/server.properties.tmp" <<EOF
# written by scripts/services.sh; edits are overwritten on start
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DIR/data
num.partitions=6
auto.create.topics.enable=true
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
group.initial.rebalance.delay.ms=0
# after a kill -9 the restarted broker cannot register until the old broker
# session expires (default 9s): keep that short on loopback
broker.session.timeout.ms=3000
broker.heartbeat.interval.ms=500
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=24
EOF
  mv "$KAFKA_DIR/server.properties.tmp" "$KAFKA_DIR/server.properties"
  cat >"$KAFKA_DIR/log4j.properties" <<'EOF'
# written by scripts/services.sh: console only (stdout goes to kafka.log)
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.log.LogCleaner=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.controller=WARN
log4j.logger.org.apache.kafka.clients=WARN
log4j.logger.org.apache.kafka.common.utils.AppInfoParser=WARN
EOF
  if [[ ! -s "$KAFKA_DIR/cluster.id" ]]; then
    # 16 random bytes, base64url without padding: a valid Kafka cluster id, kept
    # forever. Like Kafka's own Uuid.randomUuid, avoid a leading '-' (the storage
    # tool would read it as an option).
    local id="-"
    while [[ "$id" == -* ]]; do
      id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    done
    echo "$id" >"$KAFKA_DIR/cluster.id"
  fi
}

# java command line for the broker and its tools ($1: extra JVM options)
kafka_java_cmd() {
  # shellcheck disable=SC2206
  KAFKA_CMD=(java $KAFKA_HEAP -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true $1
    "-Dlog4j.configuration=file:$KAFKA_DIR/log4j.properties" -cp "$KAFKA_LIBS/*")
}

launch_kafka() {
  local pid
  if pid="$(service_pid kafka)"; then
    log "kafka: already running (pid $pid)"
    return 0
  fi
  require_free_port kafka "$KAFKA_PORT" || return 1
  require_free_port kafka-controller "$KAFKA_CONTROLLER_PORT" || return 1
  write_kafka_config
  if [[ ! -f "$KAFKA_DIR/data/meta.properties" ]]; then
    log "kafka: formatting storage (cluster id $(cat "$KAFKA_DIR/cluster.id"))"
    kafka_java_cmd "-XX:TieredStopAtLevel=1"
    "${KAFKA_CMD[@]}" kafka.tools.StorageTool format -t "$(cat "$KAFKA_DIR/cluster.id")" \
      -c "$KAFKA_DIR/server.properties" -g >"$KAFKA_DIR/format.log" 2>&1 9>&- ||
      { err "kafka: storage format failed"; sed 's/^/    /' "$KAFKA_DIR/format.log" >&2; return 1; }
  fi
  log "kafka: starting on 127.0.0.1:$KAFKA_PORT (controller $KAFKA_CONTROLLER_PORT)"
  [[ -f "$KAFKA_DIR/kafka.log" ]] && mv -f "$KAFKA_DIR/kafka.log" "$KAFKA_DIR/kafka.log.1"
  kafka_java_cmd ""
  launch "$KAFKA_DIR/kafka.pid" "$KAFKA_DIR/kafka.log" \
    "${KAFKA_CMD[@]}" kafka.Kafka "$KAFKA_DIR/server.properties"
}

kafka_ready() {
  grep -q "Kafka Server started" "$KAFKA_DIR/kafka.log" 2>/dev/null && port_open "$KAFKA_PORT"
}

wait_kafka() { wait_ready kafka kafka_ready; }

# ---------------------------------------------------------------- ferretdb

ferretdb_installed() {
  [[ -x "$FERRETDB_BIN" ]] || return 1
  local out
  out="$("$FERRETDB_BIN" --version 2>/dev/null)" || return 1
  [[ "$out" == *"version: $FERRETDB_VERSION"* ]]
}

install_ferretdb() {
  ferretdb_installed && return 0
  command -v go >/dev/null || die "ferretdb: Go is not installed (needed to build FerretDB $FERRETDB_VERSION)"
  local t0 json dir
  t0="$(now_ms)"
  log "ferretdb: downloading $FERRETDB_MODULE@$FERRETDB_VERSION (go module proxy)"
  json="$(go mod download -json "$FERRETDB_MODULE@$FERRETDB_VERSION" 9>&-)" ||
    die "ferretdb: go mod download failed: $json"
  dir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' <<<"$json")"
  [[ -n "$dir" && -d "$dir" ]] || die "ferretdb: no module Dir in: $json"
  rm -rf "$FERRETDB_SRC"
  mkdir -p "$(dirname "$FERRETDB_SRC")" "$(dirname "$FERRETDB_BIN")"
  cp -r "$dir" "$FERRETDB_SRC"
  chmod -R u+w "$FERRETDB_SRC"
  # the module zip lacks the embedded version file (FerretDB#2982): without it the binary panics
  printf '%s' "$FERRETDB_VERSION" >"$FERRETDB_SRC/build/version/version.txt"
  log "ferretdb: building with $(go version | awk '{print $3}') (takes a few minutes the first time)"
  local buildlog="$SVC/logs/ferretdb-build.log"
  mkdir -p "$SVC/logs"
  if ! (cd "$FERRETDB_SRC" && CGO_ENABLED=0 go build -buildvcs=false -trimpath \
      -o "$FERRETDB_BIN.tmp" ./cmd/ferretdb) >"$buildlog" 2>&1 9>&-; then
    log "ferretdb: build with local Go failed (see $buildlog), retrying with GOTOOLCHAIN=$FALLBACK_GOTOOLCHAIN"
    (cd "$FERRETDB_SRC" && GOTOOLCHAIN="$FALLBACK_GOTOOLCHAIN" CGO_ENABLED=0 go build -buildvcs=false \
      -trimpath -o "$FERRETDB_BIN.tmp" ./cmd/ferretdb) >>"$buildlog" 2>&1 9>&- ||
      { err "ferretdb: build failed:"; tail -n 40 "$buildlog" | sed 's/^/    /' >&2; exit 1; }
  fi
  mv -f "$FERRETDB_BIN.tmp" "$FERRETDB_BIN"
  ferretdb_installed || die "ferretdb: built binary does not report $FERRETDB_VERSION: $("$FERRETDB_BIN" --version 2>&1 | head -5)"
  log "ferretdb: built $FERRETDB_BIN in $(elapsed "$t0")"
}

launch_ferretdb() {
  local pid
  if pid="$(service_pid ferretdb)"; then
    log "ferretdb: already running (pid $pid)"
    return 0
  fi
  require_free_port ferretdb "$FERRETDB_PORT" || return 1
  mkdir -p "$FERRETDB_DIR/data" "$FERRETDB_DIR/state"
  log "ferretdb: starting on 127.0.0.1:$FERRETDB_PORT (sqlite backend)"
  launch "$FERRETDB_DIR/ferretdb.pid" "$FERRETDB_DIR/ferretdb.log" \
    "$FERRETDB_BIN" --handler=sqlite --sqlite-url="file:$FERRETDB_DIR/data/" \
    --listen-addr="127.0.0.1:$FERRETDB_PORT" --state-dir="$FERRETDB_DIR/state" \
    --telemetry=disable --debug-addr=- --log-level=warn
}

# Does a Kafka broker answer on the port? (a metadata request when the venv has the client)
kafka_answers() {
  port_open "$KAFKA_PORT" || return 1
  if [[ -x "$ROOT/.venv/bin/python" ]]; then
    "$ROOT/.venv/bin/python" - "$KAFKA_PORT" <<'EOF' >/dev/null 2>&1
import sys
try:
    from confluent_kafka.admin import AdminClient
except ImportError:  # no client: the TCP check has to do
    sys.exit(0)
AdminClient({"bootstrap.servers": f"127.0.0.1:{sys.argv[1]}"}).list_topics(timeout=5)
EOF
  fi
}

ferretdb_ready() {
  port_open "$FERRETDB_PORT" || return 1
  if [[ -x "$ROOT/.venv/bin/python" ]]; then
    "$ROOT/.venv/bin/python" - "$FERRETDB_PORT" <<'EOF' >/dev/null 2>&1
import sys
try:
    import pymongo
except ImportError:  # no driver: the TCP check has to do
    sys.exit(0)
c = pymongo.MongoClient(f"mongodb://127.0.0.1:{sys.argv[1]}/", directConnection=True,
                        serverSelectionTimeoutMS=2000, connectTimeoutMS=2000)
c.admin.command("ping")
EOF
  fi
}

wait_ferretdb() { wait_ready ferretdb ferretdb_ready; }

# ---------------------------------------------------------------- commands

check_names() {
  local n
  for n in "$@"; do
    case "$n" in
      redis | kafka | ferretdb) ;;
      *) die "unknown service '$n' (expected one of: ${ALL_SERVICES[*]})" ;;
    esac
  done
}

take_lock() {
  mkdir -p "$SVC"
  exec 9>"$SVC/.lock"
  if ! flock -w 600 9; then
    die "another scripts/services.sh holds $SVC/.lock"
  fi
}

# A server this checkout did not start answers on the service's port (another checkout's services,
# or the Redis the Debian package started): it is used as it is, never installed over, stopped or
# restarted from here.
foreign_answers() {
  local name="$1"
  service_pid "$name" >/dev/null && return 1
  port_open "$(port_of "$name")" || return 1
  case "$name" in
    redis) command -v redis-cli >/dev/null && redis_ping ;;
    kafka) kafka_answers ;;
    ferretdb) ferretdb_ready ;;
  esac
}

# start the named services: install, launch them all, then wait for each
cmd_start() {
  local t0 n failed=0 todo=()
  t0="$(now_ms)"
  take_lock
  for n in "$@"; do
    if foreign_answers "$n"; then
      log "$n: reusing the server already answering on 127.0.0.1:$(port_of "$n") (not started by this checkout, so never stopped by it)"
      if [[ "$n" == redis && "$REDIS_APPENDONLY" == yes ]]; then
        log "redis: LETITGO_REDIS_APPENDONLY=yes is not applied to a server this checkout did not start"
      fi
    else
      todo+=("$n")
    fi
  done
  for n in "${todo[@]}"; do "install_$n"; done
  for n in "${todo[@]}"; do
    "launch_$n" || { err "$n: failed to start"; failed=1; }
  done
  for n in "${todo[@]}"; do
    [[ $failed == 0 ]] || break
    "wait_$n" || { err "$n: failed to come up"; failed=1; }
  done
  if [[ $failed != 0 ]]; then
    die "start of: $* failed (logs under $SVC)"
  fi
  log "up: $* in $(elapsed "$t0")"
}

cmd_stop() {
  take_lock
  local n
  for n in "$@"; do stop_service "$n"; done
}

cmd_status() {
  local n pid state rc=0
  for n in "${ALL_SERVICES[@]}"; do
    if pid="$(service_pid "$n")"; then
      state=running
    elif foreign_answers "$n"; then
      pid="-"
      state=foreign
    else
      pid="-"
      state=stopped
      rc=3
    fi
    printf '[services] %-9s %-8s pid=%-8s port=%s\n' "$n" "$state" "$pid" "$(port_of "$n")"
  done
  return $rc
}

usage() {
  cat <<EOF
usage: bash scripts/services.sh <command> [service...]
  up [svc...]        install (cached) and start services, wait until ready
  down [svc...]      stop services (SIGTERM, then SIGKILL after ${STOP_TIMEOUT}s)
  start <svc...>     same as up for the named services
  stop <svc...>      same as down for the named services
  restart [svc...]   stop then start
  status             one line per service: running, foreign (a server this checkout did not
                     start answers on the port; used, never stopped) or stopped; exit 3 if any is stopped
  install            install everything without starting
  logs <svc>         tail the service log
services: ${ALL_SERVICES[*]}   (default: all)
EOF
}

check_ports() {
  local v
  for v in REDIS_PORT KAFKA_PORT KAFKA_CONTROLLER_PORT FERRETDB_PORT; do
    [[ "${!v}" =~ ^[0-9]+$ && "${!v}" -ge 1 && "${!v}" -le 65535 ]] ||
      die "LETITGO_$v='${!v}' is not a port number"
  done
}

main() {
  check_ports
  local cmd="${1:-}"
  [[ $# -gt 0 ]] && shift
  local names=("$@")
  [[ ${#names[@]} -gt 0 ]] || names=("${ALL_SERVICES[@]}")
  case "$cmd" in
    up | start)
      [[ "$cmd" == start && $# -eq 0 ]] && die "start needs a service name (${ALL_SERVICES[*]})"
      check_names "${names[@]}"
      cmd_start "${names[@]}"
      ;;
    down | stop)
      [[ "$cmd" == stop && $# -eq 0 ]] && die "stop needs a service name (${ALL_SERVICES[*]})"
      check_names "${names[@]}"
      local rev=() i
      for ((i = ${#names[@]} - 1; i >= 0; i--)); do rev+=("${names[i]}"); done
      cmd_stop "${rev[@]}"
      ;;
    restart)
      check_names "${names[@]}"
      cmd_stop "${names[@]}"
      cmd_start "${names[@]}"
      ;;
    status) cmd_status ;;
    install)
      check_names "${names[@]}"
      take_lock
      local n
      for n in "${names[@]}"; do "install_$n"; done
      log "installed: ${names[*]}"
      ;;
    logs)
      [[ $# -eq 1 ]] || die "logs needs one service name"
      check_names "$1"
      tail -n 100 "$(logfile_of "$1")"
      ;;
    -h | --help | help) usage ;;
    *)
      usage >&2
      exit 2
      ;;
  esac
}

main "$@"
