# A Ferry node. Build the jar first (mvn -B package -DskipTests), then: docker build -t ferry .
FROM eclipse-temurin:17-jre
WORKDIR /opt/ferry
COPY target/ferry.jar ferry.jar
COPY cluster.xml cluster.xml
COPY conf/jvm.options jvm.options
EXPOSE 8080 9090 5701
# The JVM options of conf/jvm.options, as bin/ferry uses them; FERRY_JAVA_OPTS replaces them.
ENTRYPOINT ["sh", "-c", "exec java ${FERRY_JAVA_OPTS:-$(cat /opt/ferry/jvm.options)} -jar /opt/ferry/ferry.jar \"$@\"", "ferry"]
