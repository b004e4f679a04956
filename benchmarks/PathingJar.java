// Writes a jar whose manifest Class-Path lists the given classpath, so a benchmark JVM can be
// started with a short -cp: ONNX Runtime 1.29's native loader crashed here (SIGSEGV) when the
// java.class.path property was longer than about 4 KB.
//
//   java benchmarks/PathingJar.java OUT.jar CLASSPATH

import java.io.File;
import java.io.FileOutputStream;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

public class PathingJar {
    public static void main(String[] args) throws Exception {
        StringBuilder classPath = new StringBuilder();
        for (String entry : args[1].split(File.pathSeparator)) {
            File file = new File(entry).getAbsoluteFile();
            classPath.append(file.toURI()).append(' ');
        }
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, classPath.toString().strip());
        try (JarOutputStream jar = new JarOutputStream(new FileOutputStream(args[0]), manifest)) {
            jar.flush();
        }
    }
}
