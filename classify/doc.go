// Package classify will train, evaluate and apply flow classifiers (benign
// or malicious) over the feature vectors of package features. It is empty
// until the classification issue; the directory exists so that the project
// layout is settled and imports point the right way (classify builds on
// features, never the reverse).
package classify
