package dev.frost.spark;

import org.apache.spark.sql.SparkSession;

/** The Spark session of a featurize run: embedded local Spark by default, the cluster's under spark-submit. */
public final class Sessions {
    private Sessions() {}

    /**
     * A session on {@code master}; null takes spark-submit's {@code spark.master}, else {@code local[*]}. The web UI
     * is off (it is not needed for a batch job and its Jetty would meet Frost's own).
     */
    public static SparkSession open(String master) {
        String m = master != null ? master : System.getProperty("spark.master", "local[*]");
        return SparkSession.builder().appName("frost featurize").master(m)
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4")
                // executor JVM options stay spark-submit's: PrefixPool turns DJL's offline mode on in each executor
                .getOrCreate();
    }
}
