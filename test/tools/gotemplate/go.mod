module spire-eks-workload-registrar/test/tools/gotemplate

go 1.24
