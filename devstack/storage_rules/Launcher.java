// firebase-tools runs `java -jar <STORAGE_EMULATOR_BINARY_PATH> serve` as the Storage rules
// runtime. This jar runs the Python rules runtime in its place, sharing stdin/stdout so the
// JSON-lines protocol passes through untouched. The command comes from command.txt in the jar
// (one argument per line), written by devstack/storage_rules/launcher.py.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

public final class Launcher {
    public static void main(String[] args) throws Exception {
        List<String> command = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
                Launcher.class.getResourceAsStream("/command.txt"), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (!line.isEmpty()) command.add(line);
            }
        }
        for (String arg : args) command.add(arg);
        Process child = new ProcessBuilder(command).inheritIO().start();
        // firebase-tools stops the runtime with SIGINT to this process: take the child along.
        Runtime.getRuntime().addShutdownHook(new Thread(child::destroy));
        System.exit(child.waitFor());
    }
}
