# A Ferry node. Build the jar first (mvn -B package -DskipTests), then: docker build -t ferry .
FROM eclipse-temurin:17-jre
WORKDIR /opt/ferry
COPY target/ferry.jar ferry.jar
COPY cluster.xml cluster.xml
EXPOSE 8080 9090 5701
# The same JVM options as bin/ferry; set FERRY_JAVA_OPTS to replace them.
ENV FERRY_JAVA_OPTS="-XX:+UseSerialGC -Xms64m -Xmx192m"
ENTRYPOINT ["sh", "-c", "exec java $FERRY_JAVA_OPTS -jar /opt/ferry/ferry.jar \"$@\"", "ferry"]
