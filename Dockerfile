# A Ferry node. Build the jar first (mvn -B package -DskipTests), then: docker build -t ferry .
FROM eclipse-temurin:17-jre
WORKDIR /opt/ferry
COPY target/ferry.jar ferry.jar
COPY cluster.xml cluster.xml
EXPOSE 8080 9090 5701
ENTRYPOINT ["java", "-jar", "/opt/ferry/ferry.jar"]
