# One image for every service: the command picks which (all, ingest, dispatcher, retry, topics).
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -q package -DskipTests

FROM eclipse-temurin:17-jre
WORKDIR /app
COPY --from=build /src/launcher/target/hookrelay.jar /app/hookrelay.jar
COPY --from=build /src/launcher/target/lib /app/lib
ENV WEBHOOKS_DATA_DIR=/var/lib/hookrelay
ENTRYPOINT ["java", "-jar", "/app/hookrelay.jar"]
CMD ["all"]
