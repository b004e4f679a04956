package dev.bonsai.engine.evaluate;

import java.util.ArrayList;
import java.util.List;

/**
 * Quality of predictions against the truth: accuracy, macro-F1 (the unweighted mean of per-class
 * F1), per-class precision/recall/F1/support, and the confusion matrix
 * ({@code confusion[truth][predicted]}). A class never predicted has precision 0.
 */
public record ClassificationMetrics(double accuracy, double macroF1, List<ClassMetrics> perClass, int[][] confusion) {

    public record ClassMetrics(String label, double precision, double recall, double f1, int support) {
    }

    public static ClassificationMetrics of(int[] truth, int[] predicted, List<String> labels) {
        int classes = labels.size();
        int[][] confusion = new int[classes][classes];
        int correct = 0;
        for (int i = 0; i < truth.length; i++) {
            confusion[truth[i]][predicted[i]]++;
            if (truth[i] == predicted[i]) {
                correct++;
            }
        }
        List<ClassMetrics> perClass = new ArrayList<>();
        double f1Sum = 0;
        for (int c = 0; c < classes; c++) {
            int truePositives = confusion[c][c];
            int support = 0;
            int predictedAsC = 0;
            for (int other = 0; other < classes; other++) {
                support += confusion[c][other];
                predictedAsC += confusion[other][c];
            }
            double precision = predictedAsC == 0 ? 0 : (double) truePositives / predictedAsC;
            double recall = support == 0 ? 0 : (double) truePositives / support;
            double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            f1Sum += f1;
            perClass.add(new ClassMetrics(labels.get(c), round(precision), round(recall), round(f1), support));
        }
        double accuracy = truth.length == 0 ? 0 : (double) correct / truth.length;
        return new ClassificationMetrics(round(accuracy), round(classes == 0 ? 0 : f1Sum / classes), perClass, confusion);
    }

    private static double round(double value) {
        return Math.round(value * 1e6) / 1e6;
    }
}
