#!/usr/bin/env bash
# Starts the whole pipeline in one process: ./run.sh (or ./run.sh demo for a sample subscriber and
# sample events). Builds the jar first when it is missing or older than the sources.
# With KAFKA_BOOTSTRAP_SERVERS unset, an embedded Kafka broker runs on localhost:9092.
set -euo pipefail
cd "$(dirname "$0")"
JAR=launcher/target/hookrelay.jar
stale() {
  [ ! -f "$JAR" ] && return 0
  [ -n "$(find . -path ./data -prune -o -path '*/target' -prune -o -path '*/src/test' -prune -o \( -name '*.java' -o -name '*.avsc' -o -name 'pom.xml' -o -name '*.xml' -o -path '*/src/main/resources/*' \) -newer "$JAR" -print -quit)" ]
}
if stale; then
  echo "Building Hookrelay (first run downloads dependencies; takes a minute or two)..."
  mvn -q package -DskipTests
fi
exec java ${JAVA_OPTS:-} -jar "$JAR" "${@:-all}"
